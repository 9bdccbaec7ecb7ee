package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatMessage;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.Served;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;

/**
 * The OpenAI chat completions and embeddings wire format. It uses a mapper of its own, so
 * an application's {@code spring.jackson.*} settings never change what goes over the
 * wire; the wire types still state their JSON names.
 */
final class OpenAiWire {

	private static final JsonMapper MAPPER = mapperSettings().addModule(new WireRecords()).build();

	// Resolved once: MAPPER.readValue(body, type) looks the type and its deserializer up
	// per call.
	private static final ObjectReader COMPLETION_READER = MAPPER.readerFor(WireCompletion.class);

	private static final ObjectWriter REQUEST_WRITER = MAPPER.writerFor(WireRequest.class);

	private static final ObjectReader EMBEDDINGS_READER = MAPPER.readerFor(WireEmbeddings.class);

	private static final ObjectWriter EMBEDDINGS_REQUEST_WRITER = MAPPER.writerFor(WireEmbeddingsRequest.class);

	private OpenAiWire() {
	}

	/**
	 * The settings of the wire's mapper: unknown properties are skipped and a null for a
	 * primitive reads as its default. The mapper adds {@link WireRecords} to them.
	 * @return a builder with those settings
	 */
	static JsonMapper.Builder mapperSettings() {
		return JsonMapper.builder()
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
	}

	/**
	 * Build the mapper's serializer of a request and deserializer of a completion now,
	 * once per JVM, by writing a request and reading a completion without sending
	 * anything. Jackson builds them on first use, which would otherwise be part of the
	 * application's first call: some 320 classes loaded and the wire records introspected
	 * (docs/project/benchmarks.md, scenario (i)).
	 */
	static void warmUp() {
		WarmUp.done();
	}

	static byte[] writeRequest(String model, ChatRequest request, boolean stream) {
		List<WireMessage> messages = new ArrayList<>(request.messages().size());
		for (ChatMessage message : request.messages()) {
			messages.add(WireMessage.of(message));
		}
		WireRequest wire = new WireRequest(model, messages, request.temperature(), request.maxTokens(),
				stream ? Boolean.TRUE : null, stream ? new WireStreamOptions(true) : null, request.params());
		return REQUEST_WRITER.writeValueAsBytes(wire);
	}

	static byte[] writeEmbeddingsRequest(String model, EmbeddingRequest request, @Nullable Integer dimensions) {
		return EMBEDDINGS_REQUEST_WRITER
			.writeValueAsBytes(new WireEmbeddingsRequest(model, request.inputs(), dimensions, request.user()));
	}

	/**
	 * Read a 2xx body of the embeddings endpoint in one pass, as {@link #parse(byte[])}
	 * reads a completion.
	 * @param body the body's bytes
	 * @return the embeddings, or the provider's error object
	 * @throws MalformedBodyException if the body is neither
	 */
	static ParsedEmbeddings parseEmbeddings(byte[] body) {
		return parseAnswer(body, EMBEDDINGS_READER, ParsedEmbeddings::new, "an embeddings list");
	}

	/**
	 * Turn the embeddings of a request of {@code inputs} inputs into a response: one
	 * vector per input, placed by its {@code index}, all of one size.
	 */
	static EmbeddingResponse toEmbeddingResponse(WireEmbeddings embeddings, int inputs, Served served) {
		List<WireEmbedding> data = embeddings.data();
		if (data == null || data.size() != inputs) {
			throw new MalformedBodyException(
					"the answer has " + ((data != null) ? data.size() : 0) + " embeddings for " + inputs + " inputs");
		}
		float[][] vectors = new float[inputs][];
		int size = -1;
		for (int i = 0; i < data.size(); i++) {
			WireEmbedding embedding = data.get(i);
			int index = (embedding.index() != null) ? embedding.index() : i;
			if (index < 0 || index >= inputs || vectors[index] != null) {
				throw new MalformedBodyException("the embedding at position " + i + " has the index " + index
						+ ", outside the inputs or given twice");
			}
			float[] vector = embedding.embedding();
			if (vector == null || vector.length == 0 || (size >= 0 && vector.length != size)) {
				throw new MalformedBodyException("the embedding at position " + i + " is missing, empty or of another "
						+ "size than the others");
			}
			vectors[index] = vector;
			size = vector.length;
		}
		WireUsage usage = embeddings.usage();
		Usage tokens = null;
		if (usage != null) {
			Long promptTokens = usage.promptTokens();
			Long totalTokens = usage.totalTokens();
			if (promptTokens != null) {
				tokens = new Usage(promptTokens, 0, (totalTokens != null) ? totalTokens : promptTokens);
			}
			else if (totalTokens != null) {
				tokens = new Usage(totalTokens, 0, totalTokens);
			}
		}
		return new EmbeddingResponse(Arrays.asList(vectors), tokens, embeddings.model(), served);
	}

	/**
	 * Read a completion body.
	 * @param body the body
	 * @return the parsed body
	 * @throws MalformedBodyException if the body is not a JSON object
	 */
	static JsonNode readTree(byte[] body) {
		try {
			JsonNode node = MAPPER.readTree(body);
			if (node == null || node.isMissingNode()) {
				throw new MalformedBodyException("the body is empty");
			}
			return node;
		}
		catch (JacksonException ex) {
			throw new MalformedBodyException("the body is not valid JSON");
		}
	}

	/**
	 * Read a 2xx body, completion or chunk, in one pass: the common case binds straight
	 * to the wire type; only a body of another shape is read again, to find an error in
	 * it.
	 * @param body the body
	 * @return the completion, or the provider's error object
	 * @throws MalformedBodyException if the body is neither
	 */
	static Parsed parse(String body) {
		return parse(body.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Read a 2xx body in one pass.
	 * @param body the body's bytes (JSON detects its own encoding)
	 * @return the completion, or the provider's error object
	 * @throws MalformedBodyException if the body is neither
	 * @see #parse(String)
	 */
	static Parsed parse(byte[] body) {
		return parseAnswer(body, COMPLETION_READER, Parsed::new, "a chat completion");
	}

	/**
	 * Read a 2xx body of a non-streaming answer in one pass: the answer, or the error
	 * object a provider sends beside or instead of it ({@code {"error":...}}, or vLLM's
	 * {@code {"object":"error",...}}).
	 */
	private static <W extends WireAnswer, P> P parseAnswer(byte[] body, ObjectReader reader,
			BiFunction<W, ProviderError, P> parsed, String shape) {
		try {
			W answer = reader.readValue(body);
			if (answer == null) {
				throw new MalformedBodyException("the body is empty");
			}
			JsonNode error = answer.error();
			if ((error != null && !error.isNull()) || ("error".equals(answer.object()) && !answer.hasPayload())) {
				ProviderError found = ErrorBodies.find(readTree(body));
				if (found != null) {
					return parsed.apply(null, found);
				}
			}
			return parsed.apply(answer, null);
		}
		catch (JacksonException ex) {
			ProviderError error = ErrorBodies.find(readTree(body));
			if (error != null) {
				return parsed.apply(null, error);
			}
			throw new MalformedBodyException("the body does not have the shape of " + shape);
		}
	}

	static ChatResponse toResponse(WireCompletion completion, String rawJson, Served served) {
		if (completion.choices() == null || completion.choices().isEmpty()) {
			throw new MalformedBodyException("the completion has no choices");
		}
		WireChoice choice = completion.choices().get(0);
		WireMessage message = choice.message();
		if (message == null) {
			throw new MalformedBodyException("the completion's first choice has no message");
		}
		List<ToolCall> toolCalls = toToolCalls(message.toolCalls());
		return new ChatResponse(message.content(), choice.finishReason(), toolCalls, toUsage(completion.usage()),
				completion.model(), rawJson, served);
	}

	/**
	 * Return the tool-call deltas of a streamed chunk.
	 * @param completion the chunk
	 * @return the deltas, or {@code null} if it has none
	 */
	static @Nullable List<WireToolCall> toolCallDeltas(WireCompletion completion) {
		List<WireChoice> choices = completion.choices();
		if (choices == null || choices.isEmpty()) {
			return null;
		}
		WireChoice choice = choices.get(0);
		WireMessage delta = (choice.delta() != null) ? choice.delta() : choice.message();
		List<WireToolCall> toolCalls = (delta != null) ? delta.toolCalls() : null;
		return (toolCalls != null && !toolCalls.isEmpty()) ? toolCalls : null;
	}

	static @Nullable ChatChunk toChunk(WireCompletion completion) {
		Usage usage = toUsage(completion.usage());
		List<WireChoice> choices = completion.choices();
		if (choices == null || choices.isEmpty()) {
			if (usage == null) {
				return null;
			}
			return new ChatChunk("", null, usage, completion.model());
		}
		WireChoice choice = choices.get(0);
		WireMessage delta = (choice.delta() != null) ? choice.delta() : choice.message();
		String text = (delta != null && delta.content() != null) ? delta.content() : "";
		return new ChatChunk(text, choice.finishReason(), usage, completion.model());
	}

	private static List<ToolCall> toToolCalls(@Nullable List<WireToolCall> wire) {
		if (wire == null || wire.isEmpty()) {
			return List.of();
		}
		List<ToolCall> toolCalls = new ArrayList<>(wire.size());
		for (WireToolCall call : wire) {
			if (call.id() == null || call.function() == null || call.function().name() == null) {
				throw new MalformedBodyException("a tool call lacks its id or function name");
			}
			String arguments = (call.function().arguments() != null) ? call.function().arguments() : "";
			toolCalls.add(new ToolCall(call.id(), (call.type() != null) ? call.type() : "function",
					call.function().name(), arguments));
		}
		return toolCalls;
	}

	private static @Nullable Usage toUsage(@Nullable WireUsage usage) {
		if (usage == null) {
			return null;
		}
		long prompt = (usage.promptTokens() != null) ? usage.promptTokens() : 0;
		long completion = (usage.completionTokens() != null) ? usage.completionTokens() : 0;
		long total = (usage.totalTokens() != null) ? usage.totalTokens() : prompt + completion;
		return new Usage(prompt, completion, total);
	}

	/**
	 * A 2xx body: a completion, or an error object.
	 *
	 * @param completion the completion, or {@code null}
	 * @param error the error, or {@code null}
	 */
	record Parsed(@Nullable WireCompletion completion, @Nullable ProviderError error) {

		/**
		 * The completion of a body that is not an error object: ask once {@link #error()}
		 * is {@code null}.
		 * @return the completion
		 */
		WireCompletion answer() {
			if (this.completion == null) {
				throw new IllegalStateException("The body is an error object, not a completion");
			}
			return this.completion;
		}

	}

	/**
	 * A 2xx body of the embeddings endpoint: the embeddings, or an error object.
	 *
	 * @param embeddings the embeddings, or {@code null}
	 * @param error the error, or {@code null}
	 */
	record ParsedEmbeddings(@Nullable WireEmbeddings embeddings, @Nullable ProviderError error) {

	}

	/**
	 * A body that is not a valid chat completion.
	 */
	static final class MalformedBodyException extends RuntimeException {

		MalformedBodyException(String message) {
			super(message, null, false, false);
		}

	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record WireRequest(@JsonProperty("model") String model, @JsonProperty("messages") List<WireMessage> messages,
			@JsonProperty("temperature") @Nullable Double temperature,
			@JsonProperty("max_tokens") @Nullable Integer maxTokens, @JsonProperty("stream") @Nullable Boolean stream,
			@JsonProperty("stream_options") @Nullable WireStreamOptions streamOptions,
			@com.fasterxml.jackson.annotation.JsonIgnore Map<String, Object> params) {

		@JsonAnyGetter
		Map<String, Object> anyParams() {
			return this.params;
		}

	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record WireStreamOptions(@JsonProperty("include_usage") boolean includeUsage) {

	}

	@JsonInclude(JsonInclude.Include.NON_EMPTY)
	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireMessage(@JsonProperty("role") @Nullable String role,
			@JsonProperty("content") @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String content,
			@JsonProperty("tool_call_id") @Nullable String toolCallId,
			@JsonProperty("tool_calls") @Nullable List<WireToolCall> toolCalls) {

		static WireMessage of(ChatMessage message) {
			List<WireToolCall> toolCalls = null;
			if (!message.toolCalls().isEmpty()) {
				toolCalls = new ArrayList<>();
				for (ToolCall call : message.toolCalls()) {
					toolCalls.add(new WireToolCall(null, call.id(), call.type(),
							new WireFunction(call.name(), call.arguments())));
				}
			}
			return new WireMessage(message.role(), message.content(), message.toolCallId(), toolCalls);
		}

	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireToolCall(@JsonProperty("index") @Nullable Integer index, @JsonProperty("id") @Nullable String id,
			@JsonProperty("type") @Nullable String type, @JsonProperty("function") @Nullable WireFunction function) {

	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireFunction(@JsonProperty("name") @Nullable String name,
			@JsonProperty("arguments") @Nullable String arguments) {

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireCompletion(@JsonProperty("id") @Nullable String id, @JsonProperty("object") @Nullable String object,
			@JsonProperty("model") @Nullable String model, @JsonProperty("choices") @Nullable List<WireChoice> choices,
			@JsonProperty("usage") @Nullable WireUsage usage,
			@JsonProperty("error") @Nullable JsonNode error) implements WireAnswer {

		@Override
		public boolean hasPayload() {
			return this.choices != null;
		}

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireChoice(@JsonProperty("index") @Nullable Integer index,
			@JsonProperty("message") @Nullable WireMessage message, @JsonProperty("delta") @Nullable WireMessage delta,
			@JsonProperty("finish_reason") @Nullable String finishReason) {

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireUsage(@JsonProperty("prompt_tokens") @Nullable Long promptTokens,
			@JsonProperty("completion_tokens") @Nullable Long completionTokens,
			@JsonProperty("total_tokens") @Nullable Long totalTokens) {

	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record WireEmbeddingsRequest(@JsonProperty("model") String model, @JsonProperty("input") List<String> input,
			@JsonProperty("dimensions") @Nullable Integer dimensions, @JsonProperty("user") @Nullable String user) {

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireEmbeddings(@JsonProperty("object") @Nullable String object,
			@JsonProperty("data") @Nullable List<WireEmbedding> data, @JsonProperty("model") @Nullable String model,
			@JsonProperty("usage") @Nullable WireUsage usage,
			@JsonProperty("error") @Nullable JsonNode error) implements WireAnswer {

		@Override
		public boolean hasPayload() {
			return this.data != null;
		}

	}

	/**
	 * What the body of a non-streaming answer may hold besides what was asked for: an
	 * error object.
	 */
	interface WireAnswer {

		@Nullable String object();

		@Nullable JsonNode error();

		/**
		 * Whether the body holds what a successful answer holds (choices, vectors).
		 * @return whether it does
		 */
		boolean hasPayload();

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	record WireEmbedding(@JsonProperty("index") @Nullable Integer index,
			@JsonProperty("embedding") float @Nullable [] embedding) {

	}

	private static final class WarmUp {

		private static final String COMPLETION = """
				{"id":"warm-up","object":"chat.completion","model":"warm-up","choices":[{"index":0,\
				"message":{"role":"assistant","content":"warm-up"},"finish_reason":"stop"}],\
				"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

		static {
			writeRequest("warm-up", ChatRequest.builder().user("warm-up").build(), false);
			parse(COMPLETION);
		}

		private WarmUp() {
		}

		/**
		 * Return once the warm-up is done: the first call initialises this class.
		 */
		static void done() {
		}

	}

}
