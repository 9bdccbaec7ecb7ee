package io.github.llmresilience.execution;

import org.jspecify.annotations.Nullable;

import io.github.resilience4j.core.functions.Either;

/**
 * Carries a failed attempt's error and the {@link RetryDecision} made for it through the
 * Resilience4j {@code Retry} and {@code CircuitBreaker}, which see only the throwable. It
 * is unwrapped as soon as it leaves the target's layers; callers never see it.
 */
final class AttemptFailure extends RuntimeException {

	private final Throwable failure;

	private final RetryDecision decision;

	AttemptFailure(Throwable failure, RetryDecision decision) {
		super(failure.getMessage(), failure, false, false);
		this.failure = failure;
		this.decision = decision;
	}

	/**
	 * The exception predicate of every llm-resilience {@code Retry}.
	 * @param throwable the failure
	 * @return whether the retry may go on
	 */
	static boolean retryable(Throwable throwable) {
		return throwable instanceof AttemptFailure attempt && attempt.decision.acceptedByRetry();
	}

	/**
	 * The interval function of every llm-resilience {@code Retry}.
	 * @param attempt the number of the failed attempt
	 * @param result the failure
	 * @return the wait in milliseconds, or -1 to stop
	 */
	static Long waitMillis(Integer attempt, Either<Throwable, ?> result) {
		if (result.isLeft() && result.getLeft() instanceof AttemptFailure failure && failure.decision.retry()) {
			return failure.decision.waitMillis();
		}
		return -1L;
	}

	/**
	 * Return the error inside a possible {@code AttemptFailure}.
	 * @param throwable the throwable
	 * @return the attempt's own error
	 */
	static Throwable unwrap(Throwable throwable) {
		return (throwable instanceof AttemptFailure attempt) ? attempt.failure : throwable;
	}

	static @Nullable RetryDecision decisionOf(Throwable throwable) {
		return (throwable instanceof AttemptFailure attempt) ? attempt.decision : null;
	}

}
