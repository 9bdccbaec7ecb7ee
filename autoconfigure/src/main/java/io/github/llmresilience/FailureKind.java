package io.github.llmresilience;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.observation.LlmMeters;

/**
 * What went wrong with a call to an LLM provider. Every failure gets exactly one kind;
 * the kind decides whether the call is retried on the same target and whether it falls
 * back to the next one.
 *
 * <p>
 * In {@code application.yml} and in metric tags a kind is written in kebab case, as
 * {@link #value()} returns it ({@code rate-limited}, {@code server-error}, ...).
 *
 * @see LlmException#kind()
 */
public enum FailureKind implements LlmMeters.TagValue {

	/**
	 * HTTP 429: retried on the same target, honouring the wait the server asks for
	 * ({@code retry-after-ms}, {@code Retry-After}, Google's {@code RetryInfo}, or the
	 * reset of a used-up {@code x-ratelimit-*} limit).
	 */
	RATE_LIMITED(RetriedWhen.STATUS_IS_LISTED, true, true, false),

	/**
	 * HTTP 402, a code or type {@code insufficient_quota} (or another that says credits
	 * are used up), a 400 or 403 whose message says the credit balance or spend limit is
	 * used up, or a 429 saying so without a server-requested wait: waiting will not help,
	 * so it is never retried.
	 */
	QUOTA_EXHAUSTED(RetriedWhen.NEVER, true, true, false),

	/**
	 * HTTP 5xx (500, 502, 503, 504, 529 and any other).
	 */
	SERVER_ERROR(RetriedWhen.STATUS_IS_LISTED, true, true, false),

	/**
	 * No complete answer within the attempt's timeouts, or HTTP 408.
	 */
	TIMEOUT(RetriedWhen.TIMEOUTS_ARE_RETRIED, true, true, true),

	/**
	 * The connection was refused, reset or closed before a complete response arrived.
	 */
	CONNECTION(RetriedWhen.CONNECTION_ERRORS_ARE_RETRIED, true, true, true),

	/**
	 * HTTP 409.
	 */
	CONFLICT(RetriedWhen.STATUS_IS_LISTED, true, false, false),

	/**
	 * HTTP 401 or 403: the key is missing, wrong or lacks permission.
	 */
	AUTH(RetriedWhen.NEVER, true, true, false),

	/**
	 * HTTP 404, typically an unknown model; also code {@code model_not_found} with any
	 * 4xx, and a 400 saying no model is loaded or the model does not exist (local
	 * servers).
	 */
	NOT_FOUND(RetriedWhen.NEVER, true, true, false),

	/**
	 * The prompt is too long for the model: code {@code context_length_exceeded} or type
	 * {@code exceed_context_size_error}, or a message saying the prompt exceeds the
	 * model's context or token maximum, with a 400, 413 or 500 (llama.cpp); also a 429 or
	 * 413 saying the single request is too large, which no wait can help.
	 */
	CONTEXT_LENGTH(RetriedWhen.NEVER, false, false, false),

	/**
	 * The provider's content filter refused the prompt or the answer: codes
	 * {@code content_filter}, {@code content_policy_violation} or {@code invalid_prompt},
	 * Azure's {@code ResponsibleAIPolicyViolation} inner error, a 403 about moderation,
	 * or finish reason {@code content_filter}.
	 */
	CONTENT_FILTER(RetriedWhen.NEVER, false, false, false),

	/**
	 * HTTP 400, 422 or any other 4xx: the request itself is wrong and no retry will fix
	 * it.
	 */
	BAD_REQUEST(RetriedWhen.NEVER, false, false, false),

	/**
	 * A 2xx answer whose body is not a valid chat completion.
	 */
	MALFORMED_RESPONSE(RetriedWhen.NEVER, true, true, false),

	/**
	 * The target's circuit breaker is open, so no request was sent.
	 */
	CIRCUIT_OPEN(RetriedWhen.NEVER, true, false, false),

	/**
	 * The application is shutting down: once Spring Boot's graceful shutdown of the web
	 * server is over, every call still waiting (a backoff, a {@code Retry-After}, a
	 * pacing wait) or in flight ends at once with this kind, and a new call fails with it
	 * without a request. Never retried, never falls back (it cannot be listed in
	 * {@code fallback-on}), the circuit breaker ignores it and an {@code @LlmCall}
	 * method's {@code fallbackMethod} does not run.
	 */
	SHUTDOWN(RetriedWhen.NEVER, false, false, false);

	// The columns of the failure table (docs/reference/behaviour.md), in one place: the
	// retry
	// layer, the
	// fallback chain and the circuit breakers read them here, and a test holds them to
	// the docs.

	private final RetriedWhen retriedWhen;

	private final boolean fallsBackByDefault;

	private final boolean recordedByCircuitBreaker;

	private final boolean outcomeUnknown;

	private final String value = name().toLowerCase(Locale.ROOT).replace('_', '-');

	FailureKind(RetriedWhen retriedWhen, boolean fallsBackByDefault, boolean recordedByCircuitBreaker,
			boolean outcomeUnknown) {
		this.retriedWhen = retriedWhen;
		this.fallsBackByDefault = fallsBackByDefault;
		this.recordedByCircuitBreaker = recordedByCircuitBreaker;
		this.outcomeUnknown = outcomeUnknown;
	}

	/**
	 * Return when a failure of this kind is retried on the same target.
	 * @return the retry rule of this kind
	 */
	public RetriedWhen retriedWhen() {
		return this.retriedWhen;
	}

	/**
	 * Return whether this kind is in the default {@code fallback-on} list, so that the
	 * next target of a policy is tried after it.
	 * @return whether this kind falls back by default
	 */
	public boolean fallsBackByDefault() {
		return this.fallsBackByDefault;
	}

	/**
	 * Return whether a target's circuit breaker records a try that ends with this kind as
	 * a failure; every other kind is ignored, neither a success nor a failure.
	 * @return whether the circuit breaker records this kind
	 */
	public boolean recordedByCircuitBreaker() {
		return this.recordedByCircuitBreaker;
	}

	/**
	 * Return whether the provider may have received and acted on the request without
	 * answering (a timeout, a connection closed early). Once the request was written,
	 * such a failure is retried and falls back only for idempotent calls.
	 * @return whether the outcome of a written request is unknown
	 */
	public boolean outcomeUnknown() {
		return this.outcomeUnknown;
	}

	/**
	 * Return the kinds that fall back by default, in declaration order: the default of
	 * {@code llm.defaults.fallback-on}.
	 * @return a new, modifiable set of the kinds
	 */
	public static Set<FailureKind> defaultFallbackOn() {
		Set<FailureKind> kinds = new LinkedHashSet<>();
		for (FailureKind kind : values()) {
			if (kind.fallsBackByDefault) {
				kinds.add(kind);
			}
		}
		return kinds;
	}

	/**
	 * Return the kebab-case name used in configuration, logs and metric tags, such as
	 * {@code rate-limited}.
	 * @return the kebab-case name
	 */
	@Override
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

	/**
	 * When a failure of a kind is retried on the same target, given the policy's
	 * {@code llm.*.retry} settings.
	 */
	public enum RetriedWhen {

		/**
		 * Never: waiting or asking again will not help.
		 */
		NEVER,

		/**
		 * When its HTTP status is in {@code retry-on-status}.
		 */
		STATUS_IS_LISTED,

		/**
		 * When {@code retry-on-timeout} is on (and a 408's status is in
		 * {@code retry-on-status}).
		 */
		TIMEOUTS_ARE_RETRIED,

		/**
		 * When {@code retry-on-connection-error} is on.
		 */
		CONNECTION_ERRORS_ARE_RETRIED

	}

}
