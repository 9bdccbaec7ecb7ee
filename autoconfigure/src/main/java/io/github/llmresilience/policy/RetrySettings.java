package io.github.llmresilience.policy;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A policy's resolved retry settings, {@code llm.defaults.retry} merged with the policy's
 * own.
 *
 * @param maxAttempts attempts per target, the first one included
 * @param maxElapsed longest time spent on one target, attempts and waits together
 * @param initialBackoff wait before the first retry
 * @param multiplier growth of each wait over the previous one
 * @param maxBackoff longest computed wait
 * @param jitter randomization factor of computed waits, 0 to 1
 * @param retryOnStatus HTTP statuses that are retried
 * @param retryOnTimeout whether timeouts are retried (idempotent calls only)
 * @param retryOnConnectionError whether connection failures are retried
 * @param respectRetryAfter whether a server-requested wait replaces the computed one
 * @param maxRetryAfter longest server-requested wait that is honoured
 * @param retryOnExceptions further exception classes that are retried
 */
public record RetrySettings(int maxAttempts, Duration maxElapsed, Duration initialBackoff, double multiplier,
		Duration maxBackoff, double jitter, Set<Integer> retryOnStatus, boolean retryOnTimeout,
		boolean retryOnConnectionError, boolean respectRetryAfter, Duration maxRetryAfter,
		List<Class<? extends Throwable>> retryOnExceptions) {

	/**
	 * Create settings.
	 * @param maxAttempts attempts per target
	 * @param maxElapsed longest time per target
	 * @param initialBackoff first wait
	 * @param multiplier growth of waits
	 * @param maxBackoff longest computed wait
	 * @param jitter randomization factor
	 * @param retryOnStatus retried statuses
	 * @param retryOnTimeout whether timeouts are retried
	 * @param retryOnConnectionError whether connection failures are retried
	 * @param respectRetryAfter whether server waits are honoured
	 * @param maxRetryAfter longest honoured server wait
	 * @param retryOnExceptions further retried exceptions
	 */
	public RetrySettings {
		retryOnStatus = Set.copyOf(retryOnStatus);
		retryOnExceptions = List.copyOf(retryOnExceptions);
	}

	/**
	 * Return whether a throwable is one of the further exception classes that are
	 * retried.
	 * @param throwable the throwable
	 * @return whether it is retried
	 */
	public boolean retriesException(Throwable throwable) {
		for (Class<? extends Throwable> type : this.retryOnExceptions) {
			if (type.isInstance(throwable)) {
				return true;
			}
		}
		return false;
	}

}
