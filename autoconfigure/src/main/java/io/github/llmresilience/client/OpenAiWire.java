package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import io.github.llmresilience.Served;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;

/**
 * The OpenAI chat completions wire format. It uses a mapper of its own, so an
 * application's {@code spring.jackson.*} settings never change what goes over the wire;
 * the wire types still state their JSON names.
 */
final class OpenAiWire {

	private static final JsonMapper MAPPER = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.build();

	// Resolved once: MAPPER.readValue(body, type) looks the type and its deserializer up
	// per call.
	private static final ObjectReader COMPLETION_READER = MAPPER.readerFor(WireCompletion.class);

	private static final ObjectWriter REQUEST_WRITER = MAPPER.writerFor(WireRequest.class);

	private OpenAiWire() {
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
		try {
			WireCompletion completion = COMPLETION_READER.readValue(body);
			if (completion == null) {
				throw new MalformedBodyException("the body is empty");
			}
			JsonNode error = completion.error();
			if ((error != null && !error.isNull())
					|| ("error".equals(completion.object()) && completion.choices() == null)) {
				// {"error":...} beside or instead of the choices, or vLLM's
				// {"object":"error",...}.
				ProviderError found = ErrorBodies.find(readTree(body));
				if (found != null) {
					return new Parsed(null, found);
				}
			}
			return new Parsed(completion, null);
		}
		catch (JacksonException ex) {
			ProviderError error = ErrorBodies.find(readTree(body));
			if (error != null) {
				return new Parsed(null, error);
			}
			throw new MalformedBodyException("the body does not have the shape of a chat completion");
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
			@JsonProperty("usage") @Nullable WireUsage usage, @JsonProperty("error") @Nullable JsonNode error) {

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
