package io.github.llmresilience;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A call to an LLM provider failed. The {@link #kind() kind} says what went wrong and
 * decides whether the call was retried and whether it fell back; the other accessors say
 * where and how.
 *
 * <p>
 * The message names the kind, the target, the HTTP status and the provider's own error
 * message (with anything that looks like an API key removed). It never contains the API
 * key, the prompt or the completion.
 */
public class LlmException extends RuntimeException {

	/**
	 * What went wrong.
	 */
	private final FailureKind kind;

	/**
	 * The HTTP status, or {@code null} when no response arrived.
	 */
	private final @Nullable Integer status;

	/**
	 * The provider's error code, or {@code null}.
	 */
	private final @Nullable String errorCode;

	/**
	 * The provider's error message, with secrets removed, or {@code null}.
	 */
	private final @Nullable String providerMessage;

	/**
	 * The provider of the target that failed last, or {@code null}.
	 */
	private final @Nullable String provider;

	/**
	 * The model of the target that failed last, or {@code null}.
	 */
	private final @Nullable String model;

	/**
	 * The HTTP requests sent, across all targets.
	 */
	private final int attempts;

	/**
	 * The wait the provider asked for, or {@code null}.
	 */
	private final @Nullable Duration retryAfter;

	/**
	 * Whether the request may have reached the provider.
	 */
	private final boolean requestSent;

	/**
	 * What happened, when the kind alone does not say it, or {@code null}.
	 */
	private final @Nullable String description;

	/**
	 * Whether the provider said to retry ({@code x-should-retry}), or {@code null}.
	 */
	private final @Nullable Boolean serverRetryHint;

	/**
	 * When a target is expected back, if the call failed because every target was out.
	 */
	private final @Nullable Instant earliestAvailableAt;

	/**
	 * Create an exception from a builder.
	 * @param builder the builder with the details
	 */
	protected LlmException(Builder builder) {
		super(null, builder.cause, true, true);
		this.kind = Objects.requireNonNull(builder.kind, "'kind' must not be null");
		this.status = builder.status;
		this.errorCode = builder.errorCode;
		this.providerMessage = builder.providerMessage;
		this.provider = builder.provider;
		this.model = builder.model;
		this.attempts = builder.attempts;
		this.retryAfter = builder.retryAfter;
		this.requestSent = builder.requestSent;
		this.description = builder.description;
		this.serverRetryHint = builder.serverRetryHint;
		this.earliestAvailableAt = builder.earliestAvailableAt;
	}

	/**
	 * Start describing a failure of the given kind.
	 * @param kind the failure kind
	 * @return a builder
	 */
	public static Builder builder(FailureKind kind) {
		return new Builder(kind);
	}

	/**
	 * Return a builder with this exception's details, for a copy that changes some of
	 * them.
	 * @return a builder
	 */
	public Builder toBuilder() {
		Builder builder = new Builder(this.kind);
		builder.status = this.status;
		builder.errorCode = this.errorCode;
		builder.providerMessage = this.providerMessage;
		builder.provider = this.provider;
		builder.model = this.model;
		builder.attempts = this.attempts;
		builder.retryAfter = this.retryAfter;
		builder.requestSent = this.requestSent;
		builder.description = this.description;
		builder.serverRetryHint = this.serverRetryHint;
		builder.earliestAvailableAt = this.earliestAvailableAt;
		builder.cause = getCause();
		return builder;
	}

	/**
	 * Return a copy of this exception that reports the given number of attempts for the
	 * whole logical call.
	 * @param attempts the HTTP requests sent during the logical call
	 * @return the copy, of the same class, with the same stack trace and suppressed
	 * exceptions
	 */
	public LlmException withAttempts(int attempts) {
		if (attempts == this.attempts) {
			return this;
		}
		return copyState(copy(attempts));
	}

	/**
	 * Return a copy of this exception, of the same class, that reports the given number
	 * of attempts; {@link #withAttempts(int)} gives it this exception's stack trace and
	 * suppressed exceptions. A subclass with state of its own overrides it.
	 * @param attempts the HTTP requests sent during the logical call
	 * @return the copy
	 */
	protected LlmException copy(int attempts) {
		return toBuilder().attempts(attempts).build();
	}

	/**
	 * Copy this exception's stack trace and suppressed exceptions to a copy of it.
	 * @param <E> the exception type
	 * @param copy the copy
	 * @return the copy
	 */
	protected final <E extends LlmException> E copyState(E copy) {
		copy.setStackTrace(getStackTrace());
		for (Throwable suppressed : getSuppressed()) {
			copy.addSuppressed(suppressed);
		}
		return copy;
	}

	/**
	 * Return when a target of the call's policy is expected back, when the call failed
	 * because every target was out: open circuits, waits a server named, rate limits used
	 * up for longer than the policy waits. A controller can answer {@code 503} with a
	 * {@code Retry-After} until then.
	 * @return the earliest instant a target is expected to take requests again, or
	 * {@code null} when the call did not fail for that reason or nothing says when
	 */
	public @Nullable Instant earliestAvailableAt() {
		return this.earliestAvailableAt;
	}

	/**
	 * Return what went wrong.
	 * @return the failure kind
	 */
	public FailureKind kind() {
		return this.kind;
	}

	/**
	 * Return the HTTP status of the failed answer. For an error object inside a 200 body,
	 * this is the status its code stands for.
	 * @return the status, or {@code null} if there was no HTTP answer (a timeout, a
	 * reset, an open circuit)
	 */
	public @Nullable Integer status() {
		return this.status;
	}

	/**
	 * Return the provider's error code, such as {@code insufficient_quota} or
	 * {@code context_length_exceeded}; a numeric code is given as text ({@code "429"}). A
	 * provider that sends a type but no code (Anthropic's {@code overloaded_error}) has
	 * its type here.
	 * @return the code, or {@code null} if the provider sent none
	 */
	public @Nullable String errorCode() {
		return this.errorCode;
	}

	/**
	 * Return the provider's error message, with anything that looks like an API key
	 * removed.
	 * @return the message, or {@code null} if the provider sent none
	 */
	public @Nullable String providerMessage() {
		return this.providerMessage;
	}

	/**
	 * Return the name of the provider of the target that failed.
	 * @return the provider name, or {@code null} if no target was involved
	 */
	public @Nullable String provider() {
		return this.provider;
	}

	/**
	 * Return the model of the target that failed.
	 * @return the requested model, or {@code null} if no target was involved
	 */
	public @Nullable String model() {
		return this.model;
	}

	/**
	 * Return the HTTP requests sent during the logical call, across every target.
	 * @return the attempts made
	 */
	public int attempts() {
		return this.attempts;
	}

	/**
	 * Return the wait the server asked for, from {@code retry-after-ms},
	 * {@code Retry-After} (delta-seconds or an HTTP-date), Google's {@code RetryInfo} in
	 * the body, or, for a 429 with none of those, the reset of a used-up
	 * {@code x-ratelimit-*} limit.
	 * @return the wait, or {@code null} if the server asked for none or its value could
	 * not be used
	 */
	public @Nullable Duration retryAfter() {
		return this.retryAfter;
	}

	/**
	 * Return what the server said about retrying, in its {@code x-should-retry} header
	 * (OpenAI and Anthropic send it): {@code false} means the target is not retried,
	 * whatever the kind (the kind still decides whether the call falls back);
	 * {@code true} allows a retry of a 409, 429 or 5xx even when its status is not in
	 * {@code retry-on-status}, and never makes a 400, 401, 403 or 404 retryable.
	 * @return the server's hint, or {@code null} if the answer carried none (or no answer
	 * arrived)
	 */
	public @Nullable Boolean serverRetryHint() {
		return this.serverRetryHint;
	}

	/**
	 * Return whether the request had been written to the connection before the failure,
	 * so the provider may have acted on it.
	 * @return whether the request was sent
	 */
	public boolean requestSent() {
		return this.requestSent;
	}

	@Override
	public String getMessage() {
		StringBuilder message = new StringBuilder(this.kind.value());
		if (this.description != null) {
			message.append(": ").append(this.description);
		}
		else if (this.status != null) {
			message.append(": HTTP ").append(this.status);
		}
		if (this.provider != null) {
			message.append(" from ").append(this.provider).append(':').append(this.model);
		}
		if (this.providerMessage != null && !this.providerMessage.isEmpty()) {
			message.append(" (provider said: ").append(this.providerMessage);
			if (this.errorCode != null) {
				message.append(" [").append(this.errorCode).append(']');
			}
			message.append(')');
		}
		else if (this.errorCode != null) {
			message.append(" (code ").append(this.errorCode).append(')');
		}
		if (this.earliestAvailableAt != null) {
			message.append(", every target is out; the first is expected back at ").append(this.earliestAvailableAt);
		}
		if (this.attempts > 0) {
			message.append(", after ").append(this.attempts).append((this.attempts != 1) ? " attempts" : " attempt");
		}
		return message.toString();
	}

	/**
	 * Builds an {@link LlmException}.
	 */
	public static final class Builder {

		private final FailureKind kind;

		private @Nullable Integer status;

		private @Nullable String errorCode;

		private @Nullable String providerMessage;

		private @Nullable String provider;

		private @Nullable String model;

		private int attempts;

		private @Nullable Duration retryAfter;

		private boolean requestSent;

		private @Nullable String description;

		private @Nullable Boolean serverRetryHint;

		private @Nullable Instant earliestAvailableAt;

		private @Nullable Throwable cause;

		private Builder(FailureKind kind) {
			this.kind = Objects.requireNonNull(kind, "'kind' must not be null");
		}

		/**
		 * Set the HTTP status.
		 * @param status the status
		 * @return this builder
		 */
		public Builder status(@Nullable Integer status) {
			this.status = status;
			return this;
		}

		/**
		 * Set the provider's error code.
		 * @param errorCode the code
		 * @return this builder
		 */
		public Builder errorCode(@Nullable String errorCode) {
			this.errorCode = errorCode;
			return this;
		}

		/**
		 * Set the provider's error message. It must already be free of secrets.
		 * @param providerMessage the message
		 * @return this builder
		 */
		public Builder providerMessage(@Nullable String providerMessage) {
			this.providerMessage = providerMessage;
			return this;
		}

		/**
		 * Set the target that failed.
		 * @param provider the provider name
		 * @param model the requested model
		 * @return this builder
		 */
		public Builder target(@Nullable String provider, @Nullable String model) {
			this.provider = provider;
			this.model = model;
			return this;
		}

		/**
		 * Set the HTTP requests sent during the logical call.
		 * @param attempts the attempts
		 * @return this builder
		 */
		public Builder attempts(int attempts) {
			this.attempts = attempts;
			return this;
		}

		/**
		 * Set the wait the server asked for.
		 * @param retryAfter the wait
		 * @return this builder
		 */
		public Builder retryAfter(@Nullable Duration retryAfter) {
			this.retryAfter = retryAfter;
			return this;
		}

		/**
		 * Set whether the request had been written before the failure.
		 * @param requestSent whether the request was sent
		 * @return this builder
		 */
		public Builder requestSent(boolean requestSent) {
			this.requestSent = requestSent;
			return this;
		}

		/**
		 * Set a short description of the failure for the message, such as
		 * {@code "no answer within 60s"}; without one the message names the HTTP status.
		 * @param description the description
		 * @return this builder
		 */
		public Builder description(@Nullable String description) {
			this.description = description;
			return this;
		}

		/**
		 * Set what the server said about retrying, from its {@code x-should-retry}
		 * header.
		 * @param serverRetryHint the hint, or {@code null} if the server said nothing
		 * @return this builder
		 */
		public Builder serverRetryHint(@Nullable Boolean serverRetryHint) {
			this.serverRetryHint = serverRetryHint;
			return this;
		}

		/**
		 * Set when a target of the policy is expected back, for a call that failed
		 * because every target was out.
		 * @param earliestAvailableAt the instant, or {@code null}
		 * @return this builder
		 * @see LlmException#earliestAvailableAt()
		 */
		public Builder earliestAvailableAt(@Nullable Instant earliestAvailableAt) {
			this.earliestAvailableAt = earliestAvailableAt;
			return this;
		}

		/**
		 * Set the cause.
		 * @param cause the cause
		 * @return this builder
		 */
		public Builder cause(@Nullable Throwable cause) {
			this.cause = cause;
			return this;
		}

		/**
		 * Build the exception.
		 * @return the exception
		 */
		public LlmException build() {
			return new LlmException(this);
		}

		FailureKind kind() {
			return this.kind;
		}

	}

}
