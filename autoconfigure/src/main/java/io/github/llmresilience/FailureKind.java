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
	 * HTTP 429: retried on the same target, honouring the wait the server asks for
	 * ({@code retry-after-ms}, {@code Retry-After}, Google's {@code RetryInfo}, or the reset of a
	 * used-up {@code x-ratelimit-*} limit).
	 */
	RATE_LIMITED,

	/**
	 * HTTP 402, a code or type {@code insufficient_quota} (or another that says credits are used
	 * up), a 400 or 403 whose message says the credit balance or spend limit is used up, or a 429
	 * saying so without a server-requested wait: waiting will not help, so it is never retried.
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
	 * HTTP 404, typically an unknown model; also code {@code model_not_found} with any 4xx, and a
	 * 400 saying no model is loaded or the model does not exist (local servers).
	 */
	NOT_FOUND,

	/**
	 * The prompt is too long for the model: code {@code context_length_exceeded} or type
	 * {@code exceed_context_size_error}, or a message saying the prompt exceeds the model's context
	 * or token maximum, with a 400, 413 or 500 (llama.cpp); also a 429 or 413 saying the single
	 * request is too large, which no wait can help.
	 */
	CONTEXT_LENGTH,

	/**
	 * The provider's content filter refused the prompt or the answer: codes
	 * {@code content_filter}, {@code content_policy_violation} or {@code invalid_prompt}, Azure's
	 * {@code ResponsibleAIPolicyViolation} inner error, a 403 about moderation, or finish reason
	 * {@code content_filter}.
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
