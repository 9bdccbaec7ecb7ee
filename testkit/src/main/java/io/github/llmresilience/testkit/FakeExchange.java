package io.github.llmresilience.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import io.github.llmresilience.testkit.FakeResponse.ErrorBody;
import io.github.llmresilience.testkit.FakeResponse.Interruption;
import io.github.llmresilience.testkit.FakeResponse.ToolCall;

/**
 * Writes one {@link FakeResponse} to one HTTP exchange, without ever blocking: waits are
 * Reactor timers and every write is asynchronous.
 */
final class FakeExchange {

	private static final String JSON = "application/json";

	private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

	private static final String KEEP_ALIVE_COMMENT = ": keep-alive\n\n";

	private static final String DONE_EVENT = "data: [DONE]\n\n";

	/**
	 * The pause between the pieces of a split event. Without it the pieces, although
	 * flushed separately, could still reach a slow reader in a single read.
	 */
	private static final Duration SPLIT_PAUSE = Duration.ofMillis(1);

	private final HttpServerResponse response;

	private final Channel channel;

	private final String id;

	private final Consumer<Boolean> onEnd;

	private final AtomicInteger delayed;

	private final AtomicBoolean ended = new AtomicBoolean();

	/**
	 * Create an exchange; {@code onEnd} is called once, with {@code true} if the client
	 * abandoned the exchange; {@code delayed} counts it while its answer waits on its
	 * delay.
	 */
	FakeExchange(HttpServerResponse response, String id, Consumer<Boolean> onEnd, AtomicInteger delayed) {
		this.response = response;
		Channel[] holder = new Channel[1];
		response.withConnection((connection) -> holder[0] = connection.channel());
		this.channel = holder[0];
		this.id = id;
		this.onEnd = onEnd;
		this.delayed = delayed;
	}

	/**
	 * React to the end of the handler's publisher, unless the exchange already ended. A
	 * cancel means Reactor Netty saw the connection close. Any other end on a closed
	 * connection means the client left too: writes to a connection closed mid-stream can
	 * complete without an error.
	 */
	void ended(SignalType signal) {
		end(signal == SignalType.CANCEL || !this.channel.isActive());
	}

	/**
	 * Mark the response as finished just before its last bytes are written, so that a
	 * client that has read the response never sees the exchange still active.
	 */
	private void finishing() {
		end(!this.channel.isActive());
	}

	private void end(boolean abandoned) {
		if (this.ended.compareAndSet(false, true)) {
			this.onEnd.accept(abandoned);
		}
	}

	/**
	 * Answer a recorded request; {@code json} is its parsed body, {@code null} if it had
	 * none.
	 */
	Mono<Void> respond(RecordedRequest request, @Nullable JsonNode json, FakeResponse fake) {
		Mono<Void> answer = Mono.defer(() -> answer(request, json, fake));
		if (fake.delay.isZero()) {
			return answer;
		}
		return Mono.delay(fake.delay)
			.doOnSubscribe((subscription) -> this.delayed.incrementAndGet())
			.doFinally((signal) -> this.delayed.decrementAndGet())
			.then(answer);
	}

	private Mono<Void> answer(RecordedRequest request, @Nullable JsonNode json, FakeResponse fake) {
		return switch (fake.kind) {
			case HANG -> Mono.never();
			case RESET -> abort(true);
			case MALFORMED -> sendJson(200, fake, (fake.rawBody != null) ? fake.rawBody : "");
			case ERROR -> {
				ErrorBody error = (fake.error != null) ? fake.error
						: OpenAiJson.defaultError(fake.status, request.model());
				yield sendJson(fake.status, fake, OpenAiJson.error(error));
			}
			case ERROR_IN_OK -> {
				String body = OpenAiJson.error(requireError(fake));
				yield request.stream()
						? sendEvents(fake, List.of(segment("data: " + body + "\n\n", Duration.ZERO)), Ending.COMPLETE)
						: sendJson(200, fake, body);
			}
			case TRUNCATED -> sendTruncated(fake,
					request.embeddings() ? embeddings(request, json, fake) : completion(request, json, fake));
			case RAW -> sendRaw(fake);
			case RAW_EVENTS -> sendRawEvents(fake);
			case COMPLETION -> {
				if (request.embeddings()) {
					yield sendJson(200, fake, embeddings(request, json, fake));
				}
				yield request.stream() ? stream(request, json, fake)
						: sendJson(200, fake, completion(request, json, fake));
			}
		};
	}

	private Mono<Void> sendJson(int status, FakeResponse fake, String body) {
		this.response.status(status).header(HttpHeaderNames.CONTENT_TYPE, JSON);
		applyHeaders(fake);
		finishing();
		return this.response.sendByteArray(Mono.just(body.getBytes(StandardCharsets.UTF_8))).then();
	}

	/**
	 * Send a recorded answer as it came: its status, its headers, its bytes.
	 */
	private Mono<Void> sendRaw(FakeResponse fake) {
		byte[] body = (fake.rawBytes != null) ? fake.rawBytes : new byte[0];
		this.response.status(fake.status);
		applyHeaders(fake);
		finishing();
		return this.response.sendByteArray(Mono.just(body)).then();
	}

	/**
	 * Send recorded events as they came, each flushed on its own.
	 */
	private Mono<Void> sendRawEvents(FakeResponse fake) {
		List<Segment> segments = new ArrayList<>();
		for (String event : fake.rawEvents) {
			segments.add(segment(event, Duration.ZERO));
		}
		return sendEvents(fake.status, fake, segments, Ending.COMPLETE);
	}

	private Mono<Void> sendTruncated(FakeResponse fake, String body) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		this.response.status(200)
			.header(HttpHeaderNames.CONTENT_TYPE, JSON)
			// An explicit Content-Length is kept by Reactor Netty, so the client expects
			// the whole document and sees the connection close halfway through it.
			.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
		applyHeaders(fake);
		return this.response.sendByteArray(Mono.just(Arrays.copyOf(bytes, bytes.length / 2))).then().then(abort(false));
	}

	private Mono<Void> stream(RecordedRequest request, @Nullable JsonNode json, FakeResponse fake) {
		String model = reportedModel(request, fake);
		long created = Instant.now().getEpochSecond();
		boolean includeUsage = json != null && json.path("stream_options").path("include_usage").booleanValue(false);
		List<ObjectNode> deltas = deltas(fake);
		Events events = new Events(fake);
		Interruption interruption = fake.interruption;
		int written = (interruption != null) ? Math.min(interruption.afterChunks(), deltas.size()) : deltas.size();
		for (int i = 0; i < written; i++) {
			events.data(OpenAiJson.chunk(this.id, created, model, deltas.get(i), null, includeUsage));
		}
		if (interruption != null) {
			switch (interruption.kind()) {
				case ERROR -> {
					ErrorBody error = ErrorBody.inBand(requireCode(interruption),
							String.valueOf(interruption.message()));
					events.data(OpenAiJson.error(error));
					return sendEvents(fake, events.segments, Ending.COMPLETE);
				}
				case BREAK -> {
					return sendEvents(fake, events.segments, Ending.RESET);
				}
				case HANG -> {
					return sendEvents(fake, events.segments, Ending.HANG);
				}
			}
		}
		if (!fake.withoutDone) {
			events.data(OpenAiJson.chunk(this.id, created, model, OpenAiJson.emptyDelta(), finishReason(fake),
					includeUsage));
			if (includeUsage) {
				int[] usage = usage(json, fake);
				events.data(OpenAiJson.usageChunk(this.id, created, model, usage[0], usage[1]));
			}
			events.done();
		}
		return sendEvents(fake, events.segments, Ending.COMPLETE);
	}

	/**
	 * Send the status line and headers at once, as a provider does before generating,
	 * then each segment flushed on its own, then the ending: nothing more (the final
	 * empty chunk follows), an abort, or a hang.
	 */
	private Mono<Void> sendEvents(FakeResponse fake, List<Segment> segments, Ending ending) {
		return sendEvents(200, fake, segments, ending);
	}

	private Mono<Void> sendEvents(int status, FakeResponse fake, List<Segment> segments, Ending ending) {
		this.response.status(status)
			.header(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
			.header(HttpHeaderNames.CACHE_CONTROL, "no-cache");
		applyHeaders(fake);
		Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
		Flux<ByteBuf> body = Flux.fromIterable(segments)
			.concatMap((segment) -> segment.pause().isZero() ? Mono.just(segment)
					: Mono.delay(segment.pause()).thenReturn(segment))
			.doOnNext((segment) -> {
				// A complete stream is finished once its last event is on its way: a
				// client
				// may stop reading at [DONE] without waiting for the final empty chunk.
				if (segment == last && ending == Ending.COMPLETE) {
					finishing();
				}
			})
			.map((segment) -> Unpooled.wrappedBuffer(segment.bytes()));
		// The flush predicate flushes every buffer: without it Reactor Netty would gather
		// buffers that are ready together into one write, hiding split writes from the
		// client.
		return this.response.sendHeaders()
			.then()
			.then(Mono.defer(() -> this.response.send(body, (buffer) -> true).then()))
			.then(Mono.defer(() -> switch (ending) {
				case COMPLETE -> Mono.empty();
				case RESET -> abort(true);
				case HANG -> Mono.never();
			}));
	}

	/**
	 * Close the connection; with {@code reset} set SO_LINGER to 0 first so that the close
	 * sends an RST and drops anything unsent instead of a graceful FIN.
	 */
	private Mono<Void> abort(boolean reset) {
		return Mono.defer(() -> {
			// The server cuts the exchange on purpose: that ends it, and it is not
			// abandoned
			// unless the client had already left.
			finishing();
			if (reset) {
				this.channel.config().setOption(ChannelOption.SO_LINGER, 0);
			}
			return Mono.<Void>create((sink) -> this.channel.close().addListener((future) -> sink.success()));
		});
	}

	private void applyHeaders(FakeResponse fake) {
		Set<String> replaced = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		for (Map.Entry<String, String> header : fake.headers) {
			if (replaced.add(header.getKey())) {
				this.response.responseHeaders().remove(header.getKey());
			}
			this.response.addHeader(header.getKey(), header.getValue());
		}
	}

	private String completion(RecordedRequest request, @Nullable JsonNode json, FakeResponse fake) {
		String text = (fake.text != null) ? fake.text : "";
		String content = (text.isEmpty() && !fake.toolCalls.isEmpty()) ? null : text;
		int[] usage = usage(json, fake);
		return OpenAiJson.completion(this.id, Instant.now().getEpochSecond(), reportedModel(request, fake), content,
				fake.toolCalls, finishReason(fake), usage[0], usage[1]);
	}

	/**
	 * The embeddings of an embeddings request: one deterministic vector per input
	 * ({@link FakeLlmServer#embedding(String, int)}), of the response's dimensions, else
	 * the request's {@code dimensions}, else {@link FakeLlmServer#DEFAULT_DIMENSIONS};
	 * the prompt tokens are the words of the inputs unless the response sets its usage.
	 */
	private String embeddings(RecordedRequest request, @Nullable JsonNode json, FakeResponse fake) {
		List<String> inputs = OpenAiJson.inputs(json);
		int dimensions = (fake.dimensions != null) ? fake.dimensions
				: (json != null && json.path("dimensions").canConvertToInt() && json.path("dimensions").asInt() > 0)
						? json.path("dimensions").asInt() : FakeLlmServer.DEFAULT_DIMENSIONS;
		List<float[]> vectors = new ArrayList<>(inputs.size());
		int words = 0;
		for (String input : inputs) {
			vectors.add(FakeLlmServer.embedding(input, dimensions));
			words += OpenAiJson.words(input);
		}
		int promptTokens = (fake.usage != null) ? fake.usage.promptTokens() : words;
		return OpenAiJson.embeddings(reportedModel(request, fake), vectors, promptTokens);
	}

	/**
	 * The delta of each chunk: text chunks (the first also carrying the role), then each
	 * tool call in the chunks OpenAI splits it into (its id and name, then its arguments
	 * piece by piece). A pure tool call has no text chunk.
	 */
	private List<ObjectNode> deltas(FakeResponse fake) {
		List<ObjectNode> deltas = new ArrayList<>();
		boolean pureToolCall = !fake.toolCalls.isEmpty() && (fake.text == null || fake.text.isEmpty());
		if (!pureToolCall) {
			for (String chunk : fake.chunks) {
				deltas.add(OpenAiJson.contentDelta(chunk, deltas.isEmpty()));
			}
		}
		for (int i = 0; i < fake.toolCalls.size(); i++) {
			deltas.addAll(OpenAiJson.toolCallDeltas(fake.toolCalls.get(i), i, deltas.isEmpty()));
		}
		return deltas;
	}

	private static String reportedModel(RecordedRequest request, FakeResponse fake) {
		if (fake.reportedModel != null) {
			return fake.reportedModel;
		}
		return (request.model() != null) ? request.model() : "unknown";
	}

	private static String finishReason(FakeResponse fake) {
		if (fake.finishReason != null) {
			return fake.finishReason;
		}
		return fake.toolCalls.isEmpty() ? "stop" : "tool_calls";
	}

	/**
	 * The prompt and completion token counts: explicit, or words of the messages and of
	 * the answer, so that a test can predict them.
	 */
	private static int[] usage(@Nullable JsonNode json, FakeResponse fake) {
		if (fake.usage != null) {
			return new int[] { fake.usage.promptTokens(), fake.usage.completionTokens() };
		}
		int completion = OpenAiJson.words(fake.text);
		for (ToolCall call : fake.toolCalls) {
			completion += Math.max(1, OpenAiJson.words(call.arguments()));
		}
		return new int[] { (json != null) ? OpenAiJson.promptWords(json) : 0, completion };
	}

	private static ErrorBody requireError(FakeResponse fake) {
		if (fake.error == null) {
			throw new IllegalStateException("No error body in " + fake);
		}
		return fake.error;
	}

	private static Object requireCode(Interruption interruption) {
		if (interruption.code() == null) {
			throw new IllegalStateException("No error code in " + interruption);
		}
		return interruption.code();
	}

	private static Segment segment(String text, Duration pause) {
		return new Segment(text.getBytes(StandardCharsets.UTF_8), pause);
	}

	/**
	 * How a stream ends after its last segment.
	 */
	private enum Ending {

		/** The response ends normally. */
		COMPLETE,
		/** The connection is reset. */
		RESET,
		/** Nothing more is written, the connection stays open. */
		HANG

	}

	/**
	 * Bytes flushed on their own, after a pause.
	 */
	private record Segment(byte[] bytes, Duration pause) {

	}

	/**
	 * Turns SSE events into segments, applying the stream modifiers of a response.
	 */
	private static final class Events {

		private final FakeResponse fake;

		private final List<Segment> segments = new ArrayList<>();

		Events(FakeResponse fake) {
			this.fake = fake;
		}

		void data(String json) {
			add("data: " + json + "\n\n", this.fake.chunkDelay);
		}

		void done() {
			add(DONE_EVENT, Duration.ZERO);
		}

		private void add(String event, Duration pause) {
			if (this.fake.keepAlives) {
				// The comment goes out at once and the event after the pause, as a
				// provider sends keep-alives while the next token is being generated.
				this.segments.add(segment(KEEP_ALIVE_COMMENT, Duration.ZERO));
				// The extra blank line dispatches an empty event, which parsers must
				// ignore.
				event = event + "\n";
			}
			if (!this.fake.splitWrites) {
				this.segments.add(segment(event, pause));
				return;
			}
			int first = cut(event, event.length() / 3);
			int second = cut(event, (2 * event.length()) / 3);
			this.segments.add(segment(event.substring(0, first), pause));
			this.segments.add(segment(event.substring(first, second), SPLIT_PAUSE));
			this.segments.add(segment(event.substring(second), SPLIT_PAUSE));
		}

		/**
		 * Move a cut that would separate a surrogate pair one character on, so that each
		 * piece stays valid UTF-16 and therefore encodes to the original bytes.
		 */
		private static int cut(String text, int index) {
			if (index > 0 && index < text.length() && Character.isHighSurrogate(text.charAt(index - 1))) {
				return index + 1;
			}
			return Math.max(1, index);
		}

	}

}
