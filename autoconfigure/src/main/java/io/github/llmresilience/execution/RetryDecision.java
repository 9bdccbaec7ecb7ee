package io.github.llmresilience.execution;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What to do after a failed attempt: retry after a wait, or give the target up, and why.
 * It is computed per call (attempt number, target start, deadline), because a shared
 * Resilience4j {@code Retry} cannot know per-call time, and read by that {@code Retry}'s
 * exception predicate and interval function.
 *
 * @param reason why the target is given up, or {@link Reason#RETRY}
 * @param waitMillis the wait before the next attempt, when retrying
 * @param openUntil for a give-up that should open the target's circuit: until when (the
 * instant the server named), or {@code null} for the circuit breaker's own wait
 * @param openCircuit whether the give-up should open the target's circuit at once
 * @param serverWait whether the wait of a retry is the one the server asked for, which
 * the retry budget does not count
 */
record RetryDecision(Reason reason, long waitMillis, @Nullable Instant openUntil, boolean openCircuit,
		boolean serverWait) {

	static RetryDecision retryAfter(long waitMillis) {
		return new RetryDecision(Reason.RETRY, waitMillis, null, false, false);
	}

	static RetryDecision retryAfterServerWait(long waitMillis) {
		return new RetryDecision(Reason.RETRY, waitMillis, null, false, true);
	}

	static RetryDecision giveUp(Reason reason) {
		return new RetryDecision(reason, -1, null, false, false);
	}

	static RetryDecision giveUpAndOpen(Reason reason, @Nullable Instant openUntil) {
		return new RetryDecision(reason, -1, openUntil, true, false);
	}

	/**
	 * Return whether the next attempt is scheduled.
	 * @return whether to retry
	 */
	public boolean retry() {
		return this.reason == Reason.RETRY;
	}

	/**
	 * Return whether the Resilience4j {@code Retry} should count the failure as
	 * retryable. Running out of attempts is left to the {@code Retry} itself, so it
	 * counts the call as failed after retries.
	 * @return whether the exception predicate accepts the failure
	 */
	boolean acceptedByRetry() {
		return this.reason == Reason.RETRY || this.reason == Reason.ATTEMPTS_EXHAUSTED;
	}

	/**
	 * Why a target is given up, or that it is not.
	 */
	public enum Reason {

		/**
		 * Not given up: the next attempt is scheduled.
		 */
		RETRY,

		/**
		 * The failure is never retried (its kind, its status not in
		 * {@code retry-on-status}, a non-idempotent call, or an exception not in
		 * {@code retry-on-exceptions}).
		 */
		NOT_RETRYABLE,

		/**
		 * The target's {@code max-attempts} are used up.
		 */
		ATTEMPTS_EXHAUSTED,

		/**
		 * The server asked for a wait longer than {@code max-retry-after}.
		 */
		RETRY_AFTER_TOO_LONG,

		/**
		 * The wait would end after the target's {@code max-elapsed}.
		 */
		MAX_ELAPSED,

		/**
		 * The wait would end after the call's {@code deadline}.
		 */
		DEADLINE,

		/**
		 * The kind is retried, but the server said not to
		 * ({@code x-should-retry: false}).
		 */
		SERVER_SAID_NO,

		/**
		 * The provider's retry budget has no retry left in its window.
		 */
		RETRY_BUDGET,

		/**
		 * The target's rate limit is used up, or a declared limit has no permit free, for
		 * longer than the policy may wait.
		 */
		PACED

	}

}
