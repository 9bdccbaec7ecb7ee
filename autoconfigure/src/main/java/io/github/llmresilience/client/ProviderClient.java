package io.github.llmresilience.client;

import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.util.context.Context;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.client.OpenAiWire.Parsed;
import io.github.llmresilience.client.OpenAiWire.WireCompletion;
import io.github.llmresilience.client.OpenAiWire.WireToolCall;
import io.github.llmresilience.support.DurationText;

/**
 * Sends chat completion and embedding requests to one OpenAI-compatible provider. One
 * request gives one answer or one {@link LlmException} whose {@link FailureKind kind}
 * follows the failure table; there is no retry here. Publishers are cold: each
 * subscription sends the request again.
 */
public final class ProviderClient {

	private static final String DONE = "[DONE]";

	private static final byte[] NO_BYTES = {};

	private static final String CONTENT_FILTER = "content_filter";

	private static final String ERROR = "error";

	private final ProviderSettings settings;

	private final WebClient webClient;

	private final URI chatUri;

	private final URI embeddingsUri;

	private final boolean sentSignalled;

	private final FailureClassifier classifier;

	private final Clock clock;

	private final @Nullable RateLimitObserver rateLimits;

	private final OneAnswerExchange.Settings exchanges;

	private final String firstChunkTimeoutDescription;

	private final String idleTimeoutDescription;

	ProviderClient(ProviderSettings settings, WebClient webClient, URI chatUri, URI embeddingsUri,
			boolean sentSignalled, Clock clock, RateLimitObserver rateLimits) {
		this.settings = settings;
		this.clock = clock;
		this.rateLimits = rateLimits.observes(settings.name()) ? rateLimits : null;
		this.webClient = webClient;
		this.chatUri = chatUri;
		this.embeddingsUri = embeddingsUri;
		this.sentSignalled = sentSignalled;
		this.classifier = new FailureClassifier(settings, clock);
		String property = "llm.providers." + settings.name();
		this.exchanges = new OneAnswerExchange.Settings(
				sentSignalled, settings.readTimeout(), "no complete answer within "
						+ DurationText.format(settings.readTimeout()) + " (" + property + ".read-timeout)",
				this.classifier);
		this.firstChunkTimeoutDescription = "no first chunk within " + DurationText.format(settings.firstChunkTimeout())
				+ " (" + property + ".first-chunk-timeout)";
		this.idleTimeoutDescription = "no chunk for " + DurationText.format(settings.streamIdleTimeout()) + " ("
				+ property + ".stream-idle-timeout)";
	}

	/**
	 * Return the provider's name.
	 * @return the name
	 */
	public String name() {
		return this.settings.name();
	}

	/**
	 * Return the provider's settings.
	 * @return the settings
	 */
	public ProviderSettings settings() {
		return this.settings;
	}

	/**
	 * Send a non-streaming request.
	 * @param model the model to ask
	 * @param request the request
	 * @return the answer, or a classified {@link LlmException}
	 */
	public Mono<ChatResponse> chat(String model, ChatRequest request) {
		return chat(model, request, null);
	}

	/**
	 * Send a non-streaming request that was counted against its target's rate-limit
	 * headers.
	 * @param model the model to ask
	 * @param request the request
	 * @param counted the request as counted, which the answer's headers are set against,
	 * or {@code null} if it was not
	 * @return the answer, or a classified {@link LlmException}
	 */
	public Mono<ChatResponse> chat(String model, ChatRequest request, @Nullable SentRequest counted) {
		return send(model, this.chatUri, () -> OpenAiWire.writeRequest(model, request, false), this::completion,
				counted);
	}

	/**
	 * Ask for the embeddings of a request's inputs, in one request to
	 * {@code {base-url}/embeddings}. Its answers are classified as chat answers are, and
	 * bounded by the same read timeout.
	 * @param model the model to ask
	 * @param request the request
	 * @param dimensions the vector size to ask for, or {@code null} for the model's own
	 * @return the vectors, or a classified {@link LlmException}
	 */
	public Mono<EmbeddingResponse> embed(String model, EmbeddingRequest request, @Nullable Integer dimensions) {
		return embed(model, request, dimensions, null);
	}

	/**
	 * Ask for the embeddings of a request's inputs, in one request that was counted
	 * against its target's rate-limit headers.
	 * @param model the model to ask
	 * @param request the request
	 * @param dimensions the vector size to ask for, or {@code null} for the model's own
	 * @param counted the request as counted, which the answer's headers are set against,
	 * or {@code null} if it was not
	 * @return the vectors, or a classified {@link LlmException}
	 */
	public Mono<EmbeddingResponse> embed(String model, EmbeddingRequest request, @Nullable Integer dimensions,
			@Nullable SentRequest counted) {
		return send(model, this.embeddingsUri, () -> OpenAiWire.writeEmbeddingsRequest(model, request, dimensions),
				(body, headers, exchange) -> embeddings(body, headers, exchange, request.inputs().size()), counted);
	}

	/**
	 * Send one non-streaming request, bounded by the read timeout (which bounds the whole
	 * attempt: Reactor Netty's responseTimeout only bounds each read), and read its
	 * answer; the body is written anew for each subscription.
	 */
	private <T> Mono<T> send(String model, URI uri, Supplier<byte[]> body, Answer<T> answer,
			@Nullable SentRequest counted) {
		return new OneAnswerExchange<>(this.exchanges, model, counted,
				(exchange) -> this.webClient.post()
					.uri(uri)
					.contentType(MediaType.APPLICATION_JSON)
					.accept(MediaType.APPLICATION_JSON)
					.bodyValue(body.get())
					.exchangeToMono((response) -> read(response, exchange, answer)));
	}

	/**
	 * Send a streaming request. The stream completes after {@code [DONE]} or a finish
	 * reason; a stream that ends with neither is reported as a
	 * {@link FailureKind#CONNECTION connection} failure, not as a quiet success.
	 * @param model the model to ask
	 * @param request the request
	 * @return the chunks of the answer, or a classified {@link LlmException}
	 */
	public Flux<ChatChunk> stream(String model, ChatRequest request) {
		return stream(model, request, null);
	}

	/**
	 * Send a streaming request that was counted against its target's rate-limit headers.
	 * @param model the model to ask
	 * @param request the request
	 * @param counted the request as counted, which the answer's headers are set against,
	 * or {@code null} if it was not
	 * @return the chunks of the answer, or a classified {@link LlmException}
	 * @see #stream(String, ChatRequest)
	 */
	public Flux<ChatChunk> stream(String model, ChatRequest request, @Nullable SentRequest counted) {
		return Flux.defer(() -> {
			ExchangeState exchange = new ExchangeState(model, this.sentSignalled, null, null);
			exchange.counted(counted);
			StreamProgress progress = new StreamProgress();
			return this.webClient.post()
				.uri(this.chatUri)
				.contentType(MediaType.APPLICATION_JSON)
				.accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_JSON)
				.bodyValue(OpenAiWire.writeRequest(model, request, true))
				.exchangeToFlux((response) -> readStream(response, exchange))
				.timeout(exchange.afterSent(this.settings.firstChunkTimeout(), this.firstChunkTimeoutDescription),
						(event) -> exchange.after(this.settings.streamIdleTimeout(), this.idleTimeoutDescription))
				.<ChatChunk>handle((event, sink) -> progress.next(event, sink, exchange))
				.concatWith(Flux.defer(() -> progress.complete(exchange)))
				.doFinally(exchange::ended)
				.onErrorMap((ex) -> this.classifier.ofException(ex, exchange))
				.contextWrite(Context.of(ExchangeState.KEY, exchange));
		});
	}

	/**
	 * Read the answer to a non-streaming request: an answer that is no success is
	 * classified, a success is read by {@code answer}.
	 */
	private <T> Mono<T> read(ClientResponse response, ExchangeState exchange, Answer<T> answer) {
		int status = response.statusCode().value();
		HttpHeaders headers = response.headers().asHttpHeaders();
		observeRateLimits(headers, exchange);
		// Bytes, not a String: Jackson reads UTF-8 bytes faster than the characters
		// decoded from them.
		return response.bodyToMono(byte[].class).defaultIfEmpty(NO_BYTES).map((body) -> {
			if (!response.statusCode().is2xxSuccessful()) {
				throw this.classifier.ofAnswer(status, headers, body, exchange);
			}
			return answer.read(body, headers, exchange);
		});
	}

	private ChatResponse completion(byte[] body, HttpHeaders headers, ExchangeState exchange) {
		Parsed parsed = OpenAiWire.parse(body);
		if (parsed.error() != null) {
			throw this.classifier.ofErrorObject(parsed.error(), headers, exchange);
		}
		ChatResponse answer = OpenAiWire.toResponse(parsed.answer(), text(body, headers), served(exchange));
		if (CONTENT_FILTER.equals(answer.finishReason())) {
			throw this.classifier.contentFiltered(exchange);
		}
		if (ERROR.equals(answer.finishReason())) {
			throw this.classifier.finishedWithError(exchange);
		}
		return answer;
	}

	private EmbeddingResponse embeddings(byte[] body, HttpHeaders headers, ExchangeState exchange, int inputs) {
		OpenAiWire.ParsedEmbeddings parsed = OpenAiWire.parseEmbeddings(body);
		ProviderError error = parsed.error();
		if (error != null) {
			throw this.classifier.ofErrorObject(error, headers, exchange);
		}
		OpenAiWire.WireEmbeddings embeddings = parsed.embeddings();
		if (embeddings == null) {
			throw new OpenAiWire.MalformedBodyException("the body is empty");
		}
		return OpenAiWire.toEmbeddingResponse(embeddings, inputs, served(exchange));
	}

	private void observeRateLimits(HttpHeaders headers, ExchangeState exchange) {
		if (this.rateLimits != null) {
			RateLimitHeaders.Snapshot snapshot = RateLimitHeaders.parse(headers, this.clock.instant());
			if (!snapshot.isEmpty()) {
				this.rateLimits.observe(this.settings.name(), exchange.model(), snapshot, exchange.counted());
			}
		}
	}

	private static String text(byte[] body, HttpHeaders headers) {
		MediaType contentType = headers.getContentType();
		Charset charset = (contentType != null && contentType.getCharset() != null) ? contentType.getCharset()
				: StandardCharsets.UTF_8;
		return new String(body, charset);
	}

	private Flux<StreamEvent> readStream(ClientResponse response, ExchangeState exchange) {
		HttpHeaders headers = response.headers().asHttpHeaders();
		observeRateLimits(headers, exchange);
		if (!response.statusCode().is2xxSuccessful()) {
			int status = response.statusCode().value();
			return response.bodyToMono(byte[].class)
				.defaultIfEmpty(NO_BYTES)
				.flatMapMany((body) -> Flux.error(this.classifier.ofAnswer(status, headers, body, exchange)));
		}
		MediaType contentType = headers.getContentType();
		if (contentType != null && !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(contentType)) {
			// The server answered with one JSON document: an error object, or a whole
			// completion
			// from a server that does not stream.
			return response.bodyToMono(byte[].class).defaultIfEmpty(NO_BYTES).flatMapMany((body) -> {
				Parsed parsed = OpenAiWire.parse(body);
				if (parsed.error() != null) {
					return Flux.error(this.classifier.ofErrorObject(parsed.error(), headers, exchange));
				}
				ChatResponse whole = OpenAiWire.toResponse(parsed.answer(), text(body, headers), served(exchange));
				ChatChunk chunk = new ChatChunk((whole.content() != null) ? whole.content() : "",
						(whole.finishReason() != null) ? whole.finishReason() : "stop", whole.usage(), whole.model(),
						whole.toolCalls());
				return Flux.just(new StreamEvent(chunk, null, false), StreamEvent.END);
			});
		}
		SseParser events = new SseParser((int) this.settings.maxResponseSize().toBytes(),
				FailureClassifier.format(this.settings.maxResponseSize()) + " (llm.providers." + this.settings.name()
						+ ".max-response-size)");
		// Each buffer is copied and released at once, in a step that cannot fail, so that
		// no buffer is
		// released twice when an event is too large or the subscriber leaves.
		return response.bodyToFlux(DataBuffer.class)
			.map(ProviderClient::copyAndRelease)
			.concatMapIterable(events::feed)
			.concatWith(Flux.defer(() -> Flux.fromIterable(events.finish())))
			.<StreamEvent>handle((data, sink) -> {
				if (data.isBlank()) {
					return; // a comment or keep-alive
				}
				if (DONE.equals(data.strip())) {
					sink.next(StreamEvent.END);
					return;
				}
				// An error event, with or without "event: error", is read from its data
				// like any other.
				Parsed parsed = OpenAiWire.parse(data);
				if (parsed.error() != null) {
					sink.error(this.classifier.ofErrorObject(parsed.error(), headers, exchange));
					return;
				}
				WireCompletion completion = parsed.answer();
				sink.next(
						new StreamEvent(OpenAiWire.toChunk(completion), OpenAiWire.toolCallDeltas(completion), false));
			});
	}

	private static byte[] copyAndRelease(DataBuffer buffer) {
		try {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			return bytes;
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}

	private Served served(ExchangeState exchange) {
		return new Served(this.settings.name(), exchange.model(), 1, false);
	}

	/**
	 * One parsed SSE event: a chunk (which may be empty) and the tool-call deltas it
	 * carries, or the end of the stream.
	 */
	private record StreamEvent(@Nullable ChatChunk chunk, @Nullable List<WireToolCall> toolCallDeltas, boolean end) {

		static final StreamEvent END = new StreamEvent(null, null, true);

	}

	/**
	 * What a stream has shown so far, to tell a finished stream from a truncated one, and
	 * the tool calls it is assembling: they are delivered whole in the chunk that ends
	 * them (its finish reason, or the end of the stream), never in part.
	 */
	private final class StreamProgress {

		private final StreamedToolCalls toolCalls = new StreamedToolCalls();

		private volatile boolean ended;

		private volatile boolean finished;

		private @Nullable String model;

		void next(StreamEvent event, SynchronousSink<ChatChunk> sink, ExchangeState exchange) {
			if (event.end()) {
				this.ended = true;
				if (this.toolCalls.pending()) {
					// [DONE] without a finish reason ends the calls too.
					sink.next(new ChatChunk("", null, null, this.model, this.toolCalls.finish()));
				}
				sink.complete();
				return;
			}
			ChatChunk chunk = event.chunk();
			List<WireToolCall> toolCallDeltas = event.toolCallDeltas();
			if (toolCallDeltas != null) {
				this.toolCalls.add(toolCallDeltas);
			}
			if (chunk == null) {
				return;
			}
			if (chunk.model() != null) {
				this.model = chunk.model();
			}
			if (CONTENT_FILTER.equals(chunk.finishReason())) {
				sink.error(ProviderClient.this.classifier.contentFiltered(exchange));
				return;
			}
			if (ERROR.equals(chunk.finishReason())) {
				sink.error(ProviderClient.this.classifier.finishedWithError(exchange));
				return;
			}
			if (chunk.finishReason() != null) {
				this.finished = true;
				if (this.toolCalls.pending()) {
					chunk = new ChatChunk(chunk.text(), chunk.finishReason(), chunk.usage(), chunk.model(),
							this.toolCalls.finish());
				}
			}
			if (!chunk.text().isEmpty() || chunk.finishReason() != null || chunk.usage() != null) {
				sink.next(chunk);
			}
		}

		Flux<ChatChunk> complete(ExchangeState exchange) {
			if (this.ended || this.finished) {
				return Flux.empty();
			}
			return Flux.error(ProviderClient.this.classifier.truncated(exchange));
		}

	}

	/**
	 * Reads the body of a successful answer to a non-streaming request.
	 */
	@FunctionalInterface
	private interface Answer<T> {

		T read(byte[] body, HttpHeaders headers, ExchangeState exchange);

	}

}
