package io.github.llmresilience.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * What {@link FakeLlmServer} answers to one chat or embeddings request: a completion, a
 * stream, embeddings, an error or a network fault.
 * <p>
 * Instances are immutable: static factories create them and every modifier returns a new
 * instance, so one response can be reused across models, requests and threads:
 * <pre class="code">
 * FakeResponse rateLimited = FakeResponse.status(429).retryAfterSeconds(2);
 * FakeResponse slowStream = FakeResponse.ok("Once upon a time").chunkDelay(Duration.ofMillis(50));
 * server.model("gpt-4o").enqueue(rateLimited, rateLimited, slowStream);
 * </pre>
 * <p>
 * {@link #ok(String)} and {@link #stream(String...)} adapt to the request: a request with
 * {@code "stream": true} gets a {@code text/event-stream} answer, any other request a
 * {@code chat.completion} JSON document. The stream modifiers ({@link #breakAfter(int)},
 * {@link #hangAfter(int)}, {@link #withoutDone()}, {@link #chunkDelay(Duration)},
 * {@link #keepAlives()}, {@link #splitWrites()},
 * {@link #errorAfter(int, Object, String)}) only have an effect on a streamed answer and
 * are ignored for a non-stream request. An embeddings request (one to
 * {@code /embeddings}) gets embeddings from {@link #ok(String)}, {@link #embeddings()}
 * and {@link #truncatedBody()}, and every other fault as a chat request gets it; it is
 * never streamed. Modifiers that cannot apply to a kind of response, such as
 * {@code status(500).breakAfter(2)}, fail fast with an {@link IllegalStateException}
 * rather than being silently ignored.
 */
public final class FakeResponse {

	private static final String TRUNCATED_TEXT = "This answer is cut off before the end of its JSON document";

	final Kind kind;

	final int status;

	final @Nullable String text;

	final List<String> chunks;

	final @Nullable ErrorBody error;

	final @Nullable String rawBody;

	final byte @Nullable [] rawBytes;

	final List<String> rawEvents;

	final List<Map.Entry<String, String>> headers;

	final Duration delay;

	final @Nullable Usage usage;

	final @Nullable String finishReason;

	final @Nullable String reportedModel;

	final List<ToolCall> toolCalls;

	final @Nullable Interruption interruption;

	final boolean withoutDone;

	final Duration chunkDelay;

	final boolean keepAlives;

	final boolean splitWrites;

	final @Nullable Integer dimensions;

	private FakeResponse(Builder builder) {
		this.kind = builder.kind;
		this.status = builder.status;
		this.text = builder.text;
		this.chunks = List.copyOf(builder.chunks);
		this.error = builder.error;
		this.rawBody = builder.rawBody;
		this.rawBytes = builder.rawBytes;
		this.rawEvents = List.copyOf(builder.rawEvents);
		this.headers = List.copyOf(builder.headers);
		this.delay = builder.delay;
		this.usage = builder.usage;
		this.finishReason = builder.finishReason;
		this.reportedModel = builder.reportedModel;
		this.toolCalls = List.copyOf(builder.toolCalls);
		this.interruption = builder.interruption;
		this.withoutDone = builder.withoutDone;
		this.chunkDelay = builder.chunkDelay;
		this.keepAlives = builder.keepAlives;
		this.splitWrites = builder.splitWrites;
		this.dimensions = builder.dimensions;
	}

	/**
	 * A successful answer to an embeddings request: one deterministic vector per input,
	 * {@link FakeLlmServer#embedding(String, int)}, of the request's {@code dimensions}
	 * (or {@link FakeLlmServer#DEFAULT_DIMENSIONS}) unless {@link #dimensions(int)} says
	 * otherwise, with {@code usage.prompt_tokens} counting the inputs' words unless
	 * {@link #usage(int, int)} says otherwise. Any {@link #ok(String)} answers an
	 * embeddings request the same way; a chat request gets {@code ok("")}.
	 * @return the response
	 */
	public static FakeResponse embeddings() {
		return ok("");
	}

	/**
	 * Return a copy whose embeddings have this many dimensions, whatever the request
	 * asked for: a server that ignores {@code dimensions}, or a model of another size.
	 * @param dimensions the length of every vector, at least 1
	 * @return the copy
	 */
	public FakeResponse dimensions(int dimensions) {
		requireCompletion("dimensions");
		if (dimensions < 1) {
			throw new IllegalArgumentException("'dimensions' must be at least 1, was " + dimensions);
		}
		return modify((builder) -> builder.dimensions = dimensions);
	}

	/**
	 * A successful completion with the given text.
	 * <p>
	 * A non-stream request gets HTTP 200 with a {@code chat.completion} document whose
	 * {@code usage} counts words (the request's message contents for the prompt, the text
	 * for the completion) unless {@link #usage(int, int)} says otherwise. A stream
	 * request gets the text as server-sent events, one chunk per word with its trailing
	 * spaces so that the chunks concatenate to the text, then a chunk with
	 * {@code finish_reason}, a usage chunk if the request asked for
	 * {@code stream_options.include_usage}, and {@code data: [DONE]}.
	 * @param text the assistant's answer; empty for a pure {@link #toolCall tool call}
	 * @return the response
	 */
	public static FakeResponse ok(String text) {
		Objects.requireNonNull(text, "'text' must not be null");
		return create(Kind.COMPLETION, (builder) -> {
			builder.text = text;
			builder.chunks = words(text);
		});
	}

	/**
	 * A successful completion streamed as exactly these chunks; a non-stream request gets
	 * {@link #ok(String)} of their concatenation.
	 * @param chunks the {@code delta.content} of each chunk, in order
	 * @return the response
	 */
	public static FakeResponse stream(String... chunks) {
		Objects.requireNonNull(chunks, "'chunks' must not be null");
		List<String> list = List.of(chunks);
		return create(Kind.COMPLETION, (builder) -> {
			builder.text = String.join("", list);
			builder.chunks = list;
		});
	}

	/**
	 * An HTTP error status with an OpenAI error body whose {@code message}, {@code type}
	 * and {@code code} are realistic for the status:
	 * <table>
	 * <caption>Error bodies per status</caption>
	 * <tr>
	 * <th>Status</th>
	 * <th>type</th>
	 * <th>code</th>
	 * </tr>
	 * <tr>
	 * <td>400</td>
	 * <td>invalid_request_error</td>
	 * <td>null</td>
	 * </tr>
	 * <tr>
	 * <td>401</td>
	 * <td>invalid_request_error</td>
	 * <td>invalid_api_key</td>
	 * </tr>
	 * <tr>
	 * <td>403</td>
	 * <td>permission_error</td>
	 * <td>permission_denied</td>
	 * </tr>
	 * <tr>
	 * <td>404</td>
	 * <td>invalid_request_error</td>
	 * <td>model_not_found</td>
	 * </tr>
	 * <tr>
	 * <td>408</td>
	 * <td>timeout_error</td>
	 * <td>request_timeout</td>
	 * </tr>
	 * <tr>
	 * <td>409</td>
	 * <td>conflict_error</td>
	 * <td>conflict</td>
	 * </tr>
	 * <tr>
	 * <td>413</td>
	 * <td>invalid_request_error</td>
	 * <td>request_too_large</td>
	 * </tr>
	 * <tr>
	 * <td>422</td>
	 * <td>invalid_request_error</td>
	 * <td>unprocessable_entity</td>
	 * </tr>
	 * <tr>
	 * <td>429</td>
	 * <td>requests</td>
	 * <td>rate_limit_exceeded</td>
	 * </tr>
	 * <tr>
	 * <td>500</td>
	 * <td>server_error</td>
	 * <td>null</td>
	 * </tr>
	 * <tr>
	 * <td>502</td>
	 * <td>server_error</td>
	 * <td>bad_gateway</td>
	 * </tr>
	 * <tr>
	 * <td>503</td>
	 * <td>server_error</td>
	 * <td>service_unavailable</td>
	 * </tr>
	 * <tr>
	 * <td>504</td>
	 * <td>server_error</td>
	 * <td>gateway_timeout</td>
	 * </tr>
	 * <tr>
	 * <td>529</td>
	 * <td>overloaded_error</td>
	 * <td>overloaded</td>
	 * </tr>
	 * <tr>
	 * <td>other 4xx / 5xx</td>
	 * <td>invalid_request_error / server_error</td>
	 * <td>null</td>
	 * </tr>
	 * </table>
	 * Messages name the requested model where OpenAI's do. Use
	 * {@link #error(int, String, String, String)} for an exact body.
	 * @param code the HTTP status, 400 to 599
	 * @return the response
	 */
	public static FakeResponse status(int code) {
		checkErrorStatus(code);
		return create(Kind.ERROR, (builder) -> builder.status = code);
	}

	/**
	 * An HTTP error status with exactly this error body:
	 * {@code {"error":{"message":..,"type":..,"param":null,"code":..}}}.
	 * @param code the HTTP status, 400 to 599
	 * @param type the error {@code type}
	 * @param errorCode the error {@code code}, or {@code null} to write JSON {@code null}
	 * @param message the error {@code message}
	 * @return the response
	 */
	public static FakeResponse error(int code, String type, @Nullable String errorCode, String message) {
		checkErrorStatus(code);
		Objects.requireNonNull(type, "'type' must not be null");
		Objects.requireNonNull(message, "'message' must not be null");
		return create(Kind.ERROR, (builder) -> {
			builder.status = code;
			builder.error = new ErrorBody(message, type, errorCode, true);
		});
	}

	/**
	 * HTTP 200 whose body is an error, as some gateways answer:
	 * {@code {"error":{"message":..,"type":..,"code":..}}}. A stream request gets a
	 * {@code text/event-stream} whose first and only event is {@code data:
	 * {"error":{..}}}.
	 * <p>
	 * The {@code type} follows the code: {@code rate_limit_error} for 429 or a code that
	 * mentions {@code rate_limit}, {@code invalid_request_error} for other 4xx numbers,
	 * {@code server_error} otherwise.
	 * @param code the error {@code code}: a {@link Number} is written as a JSON number,
	 * anything else as a JSON string
	 * @param message the error {@code message}
	 * @return the response
	 */
	public static FakeResponse errorInOk(Object code, String message) {
		Objects.requireNonNull(code, "'code' must not be null");
		Objects.requireNonNull(message, "'message' must not be null");
		return create(Kind.ERROR_IN_OK, (builder) -> builder.error = ErrorBody.inBand(code, message));
	}

	/**
	 * HTTP 200 with {@code Content-Type: application/json} and exactly this body, valid
	 * JSON or not.
	 * @param body the body to write
	 * @return the response
	 */
	public static FakeResponse malformed(String body) {
		Objects.requireNonNull(body, "'body' must not be null");
		return create(Kind.MALFORMED, (builder) -> builder.rawBody = body);
	}

	/**
	 * Exactly this answer, as a provider or a proxy sent it: the status, the headers
	 * added with {@link #header(String, String)} and these body bytes, unchanged,
	 * whatever the request asked for. No header is added but those the HTTP framing needs
	 * ({@code Content-Length}); a body that needs a {@code Content-Type} gets it from
	 * {@link #header(String, String)}: <pre class="code">
	 * FakeResponse.raw(529, Files.readAllBytes(overloaded))
	 * 	.header("Content-Type", "application/json")
	 * 	.header("x-should-retry", "true");
	 * </pre> Use it to replay real answers that the scripted responses cannot express:
	 * another provider's error shape, an HTML page from a proxy, a body in another
	 * charset.
	 * @param status the HTTP status, 100 to 599 (2xx included)
	 * @param body the body, sent byte for byte; empty for none
	 * @return the response
	 */
	public static FakeResponse raw(int status, byte[] body) {
		checkStatus(status);
		Objects.requireNonNull(body, "'body' must not be null");
		byte[] copy = body.clone();
		return create(Kind.RAW, (builder) -> {
			builder.status = status;
			builder.rawBytes = copy;
		});
	}

	/**
	 * Exactly this answer, with the body encoded as UTF-8; see {@link #raw(int, byte[])}.
	 * @param status the HTTP status, 100 to 599
	 * @param body the body
	 * @return the response
	 */
	public static FakeResponse raw(int status, String body) {
		Objects.requireNonNull(body, "'body' must not be null");
		return raw(status, body.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * A stream of exactly these server-sent events, as a provider sent them: HTTP 200
	 * with {@code Content-Type: text/event-stream} and {@code Cache-Control: no-cache}
	 * (unless {@link #header(String, String)} sets others), then each event written as
	 * given, UTF-8, and flushed on its own, then the end of the response. Each string is
	 * one whole event with its own lines and the blank line that ends it, such as
	 * {@code "event: error\ndata: {...}\n\n"}; nothing is added, not even {@code [DONE]}.
	 * @param events the events, in order
	 * @return the response
	 */
	public static FakeResponse rawEvents(String... events) {
		return rawEvents(200, List.of(events));
	}

	/**
	 * A stream of exactly these server-sent events, with this status; see
	 * {@link #rawEvents(String...)}.
	 * @param status the HTTP status, 100 to 599
	 * @param events the events, in order
	 * @return the response
	 */
	public static FakeResponse rawEvents(int status, List<String> events) {
		checkStatus(status);
		Objects.requireNonNull(events, "'events' must not be null");
		List<String> copy = List.copyOf(events);
		return create(Kind.RAW_EVENTS, (builder) -> {
			builder.status = status;
			builder.rawEvents = copy;
		});
	}

	/**
	 * Read the request, then abort the TCP connection with an RST and write nothing: the
	 * client sees "connection reset" (or an end of stream) instead of a response.
	 * @return the response
	 */
	public static FakeResponse reset() {
		return create(Kind.RESET, (builder) -> {
		});
	}

	/**
	 * Read the request and never answer, until the client gives up or the server closes.
	 * The exchange then counts in {@link FakeLlmServer#abandonedExchanges()}.
	 * @return the response
	 */
	public static FakeResponse hang() {
		return create(Kind.HANG, (builder) -> {
		});
	}

	/**
	 * HTTP 200 with a {@code Content-Length} larger than the part of the
	 * {@code chat.completion} document actually written, then a close of the connection:
	 * a premature end of the body.
	 * @return the response
	 */
	public static FakeResponse truncatedBody() {
		return create(Kind.TRUNCATED, (builder) -> {
			builder.text = TRUNCATED_TEXT;
			builder.chunks = words(TRUNCATED_TEXT);
		});
	}

	/**
	 * Add a {@code Retry-After} header with this raw value, valid or not, for example
	 * {@code "2"}, {@code "Wed, 21 Oct 2015 07:28:00 GMT"} or {@code "soon"}.
	 * @param rawHeaderValue the header value
	 * @return a new response with the header
	 */
	public FakeResponse retryAfter(String rawHeaderValue) {
		Objects.requireNonNull(rawHeaderValue, "'rawHeaderValue' must not be null");
		return withHeader("Retry-After", rawHeaderValue, true);
	}

	/**
	 * Add a {@code Retry-After} header in whole seconds.
	 * @param seconds the delay the client should wait
	 * @return a new response with the header
	 */
	public FakeResponse retryAfterSeconds(long seconds) {
		checkNotNegative(seconds, "seconds");
		return withHeader("Retry-After", Long.toString(seconds), true);
	}

	/**
	 * Add a {@code retry-after-ms} header, as OpenAI sends next to {@code Retry-After}.
	 * @param millis the delay the client should wait, in milliseconds
	 * @return a new response with the header
	 */
	public FakeResponse retryAfterMillis(long millis) {
		checkNotNegative(millis, "millis");
		return withHeader("retry-after-ms", Long.toString(millis), true);
	}

	/**
	 * Add a response header. A name given several times is sent with every value; a name
	 * the server sets itself, such as {@code Content-Type}, is replaced. Ignored by
	 * {@link #reset()} and {@link #hang()}, which send no headers.
	 * @param name the header name
	 * @param value the header value
	 * @return a new response with the header
	 */
	public FakeResponse header(String name, String value) {
		Objects.requireNonNull(name, "'name' must not be null");
		Objects.requireNonNull(value, "'value' must not be null");
		return withHeader(name, value, false);
	}

	/**
	 * Wait before answering: before the status line, or before acting for
	 * {@link #reset()} and {@link #hang()}. The wait uses a timer, never a blocked
	 * thread, so thousands of delayed exchanges are cheap.
	 * @param delay the wait, zero or positive
	 * @return a new response with the delay
	 */
	public FakeResponse delay(Duration delay) {
		checkNotNegative(delay, "delay");
		return modify((builder) -> builder.delay = delay);
	}

	/**
	 * Report this usage instead of word counts.
	 * @param promptTokens the {@code usage.prompt_tokens}
	 * @param completionTokens the {@code usage.completion_tokens}
	 * @return a new response with the usage
	 */
	public FakeResponse usage(int promptTokens, int completionTokens) {
		requireCompletion("usage");
		checkNotNegative(promptTokens, "promptTokens");
		checkNotNegative(completionTokens, "completionTokens");
		return modify((builder) -> builder.usage = new Usage(promptTokens, completionTokens));
	}

	/**
	 * Report this {@code finish_reason}, for example {@code length} or
	 * {@code content_filter}, instead of {@code stop} (or {@code tool_calls}).
	 * @param finishReason the finish reason
	 * @return a new response with the finish reason
	 */
	public FakeResponse finishReason(String finishReason) {
		requireCompletion("finishReason");
		Objects.requireNonNull(finishReason, "'finishReason' must not be null");
		return modify((builder) -> builder.finishReason = finishReason);
	}

	/**
	 * Report this {@code model} instead of the requested one, as providers do when they
	 * resolve an alias such as {@code gpt-4o} to a dated snapshot.
	 * @param model the model name to report
	 * @return a new response with the reported model
	 */
	public FakeResponse reportedModel(String model) {
		requireCompletion("reportedModel");
		Objects.requireNonNull(model, "'model' must not be null");
		return modify((builder) -> builder.reportedModel = model);
	}

	/**
	 * Add a function call to the assistant message ({@code tool_calls}); the message
	 * {@code content} becomes {@code null} when the text is empty and the
	 * {@code finish_reason} becomes {@code tool_calls} unless
	 * {@link #finishReason(String)} says otherwise. A stream sends each call after the
	 * text chunks, split as OpenAI splits it: one delta chunk with the call's index, id
	 * and function name (and empty arguments), then one delta chunk per piece of the
	 * arguments ({@code {"city":"Oslo"}} as {@code {"}, {@code city}, {@code ":"}, {@code
	 * Oslo}, {@code "}}), each naming the call by its index only. These chunks count for
	 * {@link #breakAfter(int)} and the other stream modifiers, so a stream can be cut
	 * inside a call's arguments.
	 * @param id the call id, for example {@code call_abc123}
	 * @param name the function name
	 * @param argumentsJson the arguments as a JSON string, not validated
	 * @return a new response with the tool call
	 */
	public FakeResponse toolCall(String id, String name, String argumentsJson) {
		requireCompletion("toolCall");
		Objects.requireNonNull(id, "'id' must not be null");
		Objects.requireNonNull(name, "'name' must not be null");
		Objects.requireNonNull(argumentsJson, "'argumentsJson' must not be null");
		return modify((builder) -> builder.toolCalls.add(new ToolCall(id, name, argumentsJson)));
	}

	/**
	 * In a stream, abort the connection with an RST after this many delta chunks, with no
	 * finish chunk and no {@code [DONE]}. Replaces {@link #hangAfter(int)} and
	 * {@link #errorAfter(int, Object, String)}.
	 * @param chunks the number of delta chunks written first; more than the answer has
	 * means all of them
	 * @return a new response that breaks
	 */
	public FakeResponse breakAfter(int chunks) {
		return interrupt(new Interruption(InterruptionKind.BREAK, chunks, null, null), "breakAfter");
	}

	/**
	 * In a stream, stop writing after this many delta chunks but keep the connection
	 * open, until the client gives up (the exchange then counts as abandoned) or the
	 * server closes. Replaces {@link #breakAfter(int)} and
	 * {@link #errorAfter(int, Object, String)}.
	 * @param chunks the number of delta chunks written first
	 * @return a new response that stalls
	 */
	public FakeResponse hangAfter(int chunks) {
		return interrupt(new Interruption(InterruptionKind.HANG, chunks, null, null), "hangAfter");
	}

	/**
	 * In a stream, write the delta chunks and then end the response cleanly (the final
	 * zero-length HTTP chunk), without the {@code finish_reason} chunk, the usage chunk
	 * and {@code data: [DONE]}: a stream that ends without saying it is complete.
	 * @return a new response without the end markers
	 */
	public FakeResponse withoutDone() {
		requireCompletion("withoutDone");
		return modify((builder) -> builder.withoutDone = true);
	}

	/**
	 * In a stream, wait this long before each {@code data:} event except {@code [DONE]}:
	 * the time between tokens. The wait uses a timer, never a blocked thread.
	 * @param delay the wait before each event
	 * @return a new response with the chunk delay
	 */
	public FakeResponse chunkDelay(Duration delay) {
		requireCompletion("chunkDelay");
		checkNotNegative(delay, "delay");
		return modify((builder) -> builder.chunkDelay = delay);
	}

	/**
	 * In a stream, write a {@code : keep-alive} comment line before each event and an
	 * extra blank line after it, as proxies and some providers do; SSE parsers must skip
	 * both.
	 * @return a new response with keep-alive comments
	 */
	public FakeResponse keepAlives() {
		requireCompletion("keepAlives");
		return modify((builder) -> builder.keepAlives = true);
	}

	/**
	 * In a stream, write each event in three separately flushed pieces, cut in the middle
	 * of the line and of the JSON, with a pause of about a millisecond between pieces so
	 * that the client really reads them separately: a parser that assumes one event per
	 * read fails.
	 * @return a new response with split writes
	 */
	public FakeResponse splitWrites() {
		requireCompletion("splitWrites");
		return modify((builder) -> builder.splitWrites = true);
	}

	/**
	 * In a stream, after this many delta chunks write the event {@code data:
	 * {"error":{"message":..,"type":..,"code":..}}} and end the response cleanly, as
	 * OpenAI does when a generation fails midway. Replaces {@link #breakAfter(int)} and
	 * {@link #hangAfter(int)}.
	 * @param chunks the number of delta chunks written first
	 * @param code the error {@code code}: a {@link Number} is written as a JSON number,
	 * anything else as a JSON string
	 * @param message the error {@code message}
	 * @return a new response with the error event
	 */
	public FakeResponse errorAfter(int chunks, Object code, String message) {
		Objects.requireNonNull(code, "'code' must not be null");
		Objects.requireNonNull(message, "'message' must not be null");
		return interrupt(new Interruption(InterruptionKind.ERROR, chunks, code, message), "errorAfter");
	}

	@Override
	public String toString() {
		StringBuilder description = new StringBuilder("FakeResponse[").append(this.kind.name().toLowerCase());
		if (this.kind == Kind.ERROR || this.kind == Kind.RAW || this.kind == Kind.RAW_EVENTS) {
			description.append(' ').append(this.status);
		}
		if (this.rawBytes != null) {
			description.append(" bytes=").append(this.rawBytes.length);
		}
		if (this.kind == Kind.RAW_EVENTS) {
			description.append(" events=").append(this.rawEvents.size());
		}
		if (this.kind == Kind.COMPLETION) {
			description.append(" chunks=").append(this.chunks);
		}
		if (!this.delay.isZero()) {
			description.append(" delay=").append(this.delay);
		}
		if (this.interruption != null) {
			description.append(' ').append(this.interruption);
		}
		if (!this.headers.isEmpty()) {
			description.append(" headers=").append(this.headers);
		}
		return description.append(']').toString();
	}

	private FakeResponse withHeader(String name, String value, boolean replace) {
		return modify((builder) -> {
			if (replace) {
				builder.headers.removeIf((header) -> header.getKey().equalsIgnoreCase(name));
			}
			builder.headers.add(Map.entry(name, value));
		});
	}

	private FakeResponse interrupt(Interruption interruption, String modifier) {
		requireCompletion(modifier);
		checkNotNegative(interruption.afterChunks(), "chunks");
		return modify((builder) -> builder.interruption = interruption);
	}

	private void requireCompletion(String modifier) {
		if (this.kind != Kind.COMPLETION) {
			throw new IllegalStateException(
					modifier + "(..) applies to ok(..) and stream(..) responses, not to " + this);
		}
	}

	private FakeResponse modify(Consumer<Builder> change) {
		Builder builder = new Builder(this);
		change.accept(builder);
		return new FakeResponse(builder);
	}

	private static FakeResponse create(Kind kind, Consumer<Builder> setup) {
		Builder builder = new Builder(kind);
		setup.accept(builder);
		return new FakeResponse(builder);
	}

	/**
	 * Split a text into words that keep their trailing whitespace, so that the chunks
	 * concatenate back to the text; an empty text is one empty chunk so that a stream
	 * still carries the assistant role.
	 */
	static List<String> words(String text) {
		if (text.isEmpty()) {
			return List.of("");
		}
		return Arrays.asList(text.split("(?<=\\s)(?=\\S)"));
	}

	private static void checkErrorStatus(int code) {
		if (code < 400 || code > 599) {
			throw new IllegalArgumentException("'code' must be an HTTP error status (400-599), was " + code);
		}
	}

	private static void checkStatus(int status) {
		if (status < 100 || status > 599) {
			throw new IllegalArgumentException("'status' must be an HTTP status (100-599), was " + status);
		}
	}

	private static void checkNotNegative(long value, String name) {
		if (value < 0) {
			throw new IllegalArgumentException("'" + name + "' must not be negative, was " + value);
		}
	}

	private static void checkNotNegative(Duration duration, String name) {
		Objects.requireNonNull(duration, "'" + name + "' must not be null");
		if (duration.isNegative()) {
			throw new IllegalArgumentException("'" + name + "' must not be negative, was " + duration);
		}
	}

	/**
	 * The kinds of answer; each is rendered differently by the server.
	 */
	enum Kind {

		COMPLETION, ERROR, ERROR_IN_OK, MALFORMED, RESET, HANG, TRUNCATED, RAW, RAW_EVENTS

	}

	/**
	 * How a stream stops early.
	 */
	enum InterruptionKind {

		BREAK, HANG, ERROR

	}

	/**
	 * An early stop of a stream after some delta chunks.
	 */
	record Interruption(InterruptionKind kind, int afterChunks, @Nullable Object code, @Nullable String message) {

		@Override
		public String toString() {
			return this.kind.name().toLowerCase() + "After(" + this.afterChunks + ")";
		}

	}

	/**
	 * An explicit token usage.
	 */
	record Usage(int promptTokens, int completionTokens) {

	}

	/**
	 * A function call of the assistant message.
	 */
	record ToolCall(String id, String name, String arguments) {

	}

	/**
	 * An error object; {@code withParam} adds {@code "param": null} as OpenAI's HTTP
	 * errors have it.
	 */
	record ErrorBody(String message, String type, @Nullable Object code, boolean withParam) {

		static ErrorBody inBand(Object code, String message) {
			return new ErrorBody(message, inBandType(code), (code instanceof Number) ? code : code.toString(), false);
		}

		private static String inBandType(Object code) {
			if (code instanceof Number number) {
				int status = number.intValue();
				if (status == 429) {
					return "rate_limit_error";
				}
				return (status >= 400 && status < 500) ? "invalid_request_error" : "server_error";
			}
			return code.toString().contains("rate_limit") ? "rate_limit_error" : "server_error";
		}

	}

	/**
	 * The mutable twin used to build a new immutable response.
	 */
	private static final class Builder {

		private final Kind kind;

		private int status = 200;

		private @Nullable String text;

		private List<String> chunks = List.of();

		private @Nullable ErrorBody error;

		private @Nullable String rawBody;

		private byte @Nullable [] rawBytes;

		private List<String> rawEvents = List.of();

		private final List<Map.Entry<String, String>> headers;

		private Duration delay = Duration.ZERO;

		private @Nullable Usage usage;

		private @Nullable String finishReason;

		private @Nullable String reportedModel;

		private final List<ToolCall> toolCalls;

		private @Nullable Interruption interruption;

		private boolean withoutDone;

		private Duration chunkDelay = Duration.ZERO;

		private boolean keepAlives;

		private boolean splitWrites;

		private @Nullable Integer dimensions;

		Builder(Kind kind) {
			this.kind = kind;
			this.headers = new ArrayList<>();
			this.toolCalls = new ArrayList<>();
		}

		Builder(FakeResponse source) {
			this.kind = source.kind;
			this.status = source.status;
			this.text = source.text;
			this.chunks = source.chunks;
			this.error = source.error;
			this.rawBody = source.rawBody;
			this.rawBytes = source.rawBytes;
			this.rawEvents = source.rawEvents;
			this.headers = new ArrayList<>(source.headers);
			this.delay = source.delay;
			this.usage = source.usage;
			this.finishReason = source.finishReason;
			this.reportedModel = source.reportedModel;
			this.toolCalls = new ArrayList<>(source.toolCalls);
			this.interruption = source.interruption;
			this.withoutDone = source.withoutDone;
			this.chunkDelay = source.chunkDelay;
			this.keepAlives = source.keepAlives;
			this.splitWrites = source.splitWrites;
			this.dimensions = source.dimensions;
		}

	}

}
