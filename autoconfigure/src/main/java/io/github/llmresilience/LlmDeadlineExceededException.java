package io.github.llmresilience;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.support.DurationText;

/**
 * A policy's {@code deadline} passed before the logical call was served. Its kind is
 * {@link FailureKind#TIMEOUT}; its cause is the last failure seen before the deadline, if
 * any.
 */
public class LlmDeadlineExceededException extends LlmException {

	/**
	 * The policy's deadline.
	 */
	private final Duration deadline;

	/**
	 * Create an exception for a call that ran out of time.
	 * @param deadline the policy's deadline
	 * @param lastFailure the last failure before the deadline, or {@code null}
	 * @param provider the provider of the target being tried, or {@code null}
	 * @param model the model of the target being tried, or {@code null}
	 * @param attempts the HTTP requests sent
	 */
	public LlmDeadlineExceededException(Duration deadline, @Nullable Throwable lastFailure, @Nullable String provider,
			@Nullable String model, int attempts) {
		super(builder(FailureKind.TIMEOUT).description("deadline of " + DurationText.format(deadline) + " reached")
			.target(provider, model)
			.attempts(attempts)
			.requestSent(attempts > 0)
			.cause(lastFailure));
		this.deadline = deadline;
	}

	/**
	 * Return the deadline that passed.
	 * @return the policy's deadline
	 */
	public Duration deadline() {
		return this.deadline;
	}

	@Override
	protected LlmException copy(int attempts) {
		return new LlmDeadlineExceededException(this.deadline, getCause(), provider(), model(), attempts);
	}

}
