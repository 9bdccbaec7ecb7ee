package io.github.llmresilience.testkit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A chat request as {@link FakeLlmServer} received it, recorded before it was answered.
 * <p>
 * {@code receivedNanos} comes from {@link System#nanoTime()} in the same JVM, so a test
 * can compare it with its own {@code System.nanoTime()} readings, and
 * {@link FakeLlmServer#gaps(List)} can measure the spacing of retries without the noise
 * of the client's scheduling.
 *
 * @param receivedNanos {@link System#nanoTime()} on the server's event loop when the
 * request line, headers and the whole body had arrived
 * @param receivedAt the wall-clock time matching {@code receivedNanos}, for messages
 * @param method the HTTP method, {@code POST} for every chat request
 * @param path the request path without the query string, for example
 * {@code /openai/v1/chat/completions}: the prefix tells providers sharing one server
 * apart
 * @param query the raw query string without {@code ?}, or {@code null} if there was none
 * @param headers every request header with all its values; lookups ignore case
 * @param body the request body, decoded as UTF-8
 * @param model the {@code model} of the JSON body, or {@code null} if the body was not a
 * JSON object with a textual {@code model}
 * @param stream whether the JSON body asked for a stream ({@code "stream": true})
 */
public record RecordedRequest(long receivedNanos, Instant receivedAt, String method, String path,
		@Nullable String query, Map<String, List<String>> headers, String body, @Nullable String model,
		boolean stream) {

	/**
	 * Create a recorded request, copying the headers into an immutable map whose lookups
	 * ignore case, as HTTP header names do.
	 * @param receivedNanos {@link System#nanoTime()} when the request arrived
	 * @param receivedAt the wall-clock arrival time
	 * @param method the HTTP method
	 * @param path the request path without the query string
	 * @param query the raw query string, or {@code null}
	 * @param headers the request headers
	 * @param body the request body
	 * @param model the requested model, or {@code null}
	 * @param stream whether a stream was requested
	 */
	public RecordedRequest {
		Objects.requireNonNull(receivedAt, "'receivedAt' must not be null");
		Objects.requireNonNull(method, "'method' must not be null");
		Objects.requireNonNull(path, "'path' must not be null");
		Objects.requireNonNull(headers, "'headers' must not be null");
		Objects.requireNonNull(body, "'body' must not be null");
		headers = caseInsensitiveCopy(headers);
	}

	/**
	 * Return whether this is an embeddings request: its path ends in {@code /embeddings}.
	 * @return whether it asked for embeddings rather than a chat completion
	 */
	public boolean embeddings() {
		return this.path.endsWith("/embeddings");
	}

	/**
	 * Return the inputs of an embeddings request, in order.
	 * @return the {@code input} string, or the strings of the {@code input} array; empty
	 * for a chat request
	 */
	public List<String> inputs() {
		if (!embeddings()) {
			return List.of();
		}
		try {
			return OpenAiJson.inputs(OpenAiJson.MAPPER.readTree(this.body));
		}
		catch (JacksonException ex) {
			return List.of();
		}
	}

	/**
	 * Return the first value of a header.
	 * @param name the header name, in any case
	 * @return the first value, or {@code null} if the header was not sent
	 */
	public @Nullable String header(String name) {
		List<String> values = this.headers.get(name);
		return (values != null && !values.isEmpty()) ? values.get(0) : null;
	}

	/**
	 * Parse the body as JSON, for assertions on what the client sent, for example
	 * {@code request.json().at("/messages/0/content").asString()}.
	 * @return the parsed body
	 * @throws IllegalStateException if the body is not JSON
	 */
	public JsonNode json() {
		try {
			return OpenAiJson.MAPPER.readTree(this.body);
		}
		catch (JacksonException ex) {
			throw new IllegalStateException("Request body is not JSON: " + this.body, ex);
		}
	}

	private static Map<String, List<String>> caseInsensitiveCopy(Map<String, List<String>> headers) {
		// A TreeMap with a case-insensitive order gives case-insensitive get() while
		// keeping
		// the names as the client spelled them; values sent under differently cased names
		// merge.
		Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		headers.forEach((name, values) -> copy.computeIfAbsent(name, (key) -> new ArrayList<>()).addAll(values));
		copy.replaceAll((name, values) -> List.copyOf(values));
		return Collections.unmodifiableMap(copy);
	}

}
