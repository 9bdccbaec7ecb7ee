package io.github.llmresilience;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * What went wrong with a call to an LLM provider. Every failure gets exactly one kind; the kind
 * decides whether the call is retried on the same target and whether it falls back to the next
 * one.
 *
 * <p>
 * In {@code application.yml} and in metric tags a kind is written in kebab case, as
 * {@link #value()} returns it ({@code rate-limited}, {@code server-error}, ...).
 *
 * @see LlmException#kind()
 */
public enum FailureKind {

	/**
	 * HTTP 429: retried on the same target, honouring the server's {@code Retry-After}.
	 */
	RATE_LIMITED,

	/**
	 * HTTP 402, or a 429 whose error code is {@code insufficient_quota}: waiting will not help,
	 * so it is never retried.
	 */
	QUOTA_EXHAUSTED,

	/**
	 * HTTP 5xx (500, 502, 503, 504, 529 and any other).
	 */
	SERVER_ERROR,

	/**
	 * No complete answer within the attempt's timeouts, or HTTP 408.
	 */
	TIMEOUT,

	/**
	 * The connection was refused, reset or closed before a complete response arrived.
	 */
	CONNECTION,

	/**
	 * HTTP 409.
	 */
	CONFLICT,

	/**
	 * HTTP 401 or 403: the key is missing, wrong or lacks permission.
	 */
	AUTH,

	/**
	 * HTTP 404, typically an unknown model.
	 */
	NOT_FOUND,

	/**
	 * HTTP 400 with error code {@code context_length_exceeded}: the prompt is too long for the
	 * model.
	 */
	CONTEXT_LENGTH,

	/**
	 * The provider's content filter refused the prompt or the answer (HTTP 400 with code
	 * {@code content_filter}, a 403 about moderation, or finish reason {@code content_filter}).
	 */
	CONTENT_FILTER,

	/**
	 * HTTP 400, 422 or any other 4xx: the request itself is wrong and no retry will fix it.
	 */
	BAD_REQUEST,

	/**
	 * A 2xx answer whose body is not a valid chat completion.
	 */
	MALFORMED_RESPONSE,

	/**
	 * The target's circuit breaker is open, so no request was sent.
	 */
	CIRCUIT_OPEN;

	private final String value = name().toLowerCase(Locale.ROOT).replace('_', '-');

	/**
	 * Return the kebab-case name used in configuration, logs and metric tags, such as
	 * {@code rate-limited}.
	 * @return the kebab-case name
	 */
	public String value() {
		return this.value;
	}

	/**
	 * Return the kind with the given kebab-case (or constant) name.
	 * @param value a name such as {@code rate-limited} or {@code RATE_LIMITED}
	 * @return the kind, or {@code null} if no kind has that name
	 */
	public static @Nullable FailureKind fromValue(String value) {
		String normalized = value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
		for (FailureKind kind : values()) {
			if (kind.value.equals(normalized)) {
				return kind;
			}
		}
		return null;
	}

	@Override
	public String toString() {
		return this.value;
	}

}
