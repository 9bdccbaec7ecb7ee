package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.RetryDecision.Reason;
import io.github.llmresilience.policy.RetrySettings;

/**
 * Decides, after each failed attempt, whether the target is retried and after what wait,
 * following the policy's retry settings, the server's {@code Retry-After}, the target's
 * {@code max-elapsed} and the call's deadline.
 */
final class RetryDecider {

	// The jitter added to a server-requested wait, so that clients told the same instant
	// do not
	// all come back at once.
	private static final double SERVER_WAIT_JITTER = 0.10;

	private final Clock clock;

	private final RandomGenerator random;

	RetryDecider(Clock clock, RandomGenerator random) {
		this.clock = clock;
		this.random = random;
	}

	/**
	 * Decide what follows a failed attempt.
	 * @param failure the attempt's error
	 * @param settings the policy's retry settings
	 * @param attempt the number of the failed attempt on its target, from 1
	 * @param targetStart when the target's first attempt started
	 * @param deadline the call's deadline, or {@code null}
	 * @param idempotent whether repeating the request is harmless
	 * @return the decision
	 */
	RetryDecision decide(Throwable failure, RetrySettings settings, int attempt, Instant targetStart,
			@Nullable Instant deadline, boolean idempotent) {
		Instant now = this.clock.instant();
		Duration serverWait = null;
		if (failure instanceof LlmDeadlineExceededException) {
			return RetryDecision.giveUp(Reason.DEADLINE);
		}
		if (failure instanceof LlmException llm) {
			FailureKind kind = llm.kind();
			if (kind == FailureKind.QUOTA_EXHAUSTED) {
				// Waiting will not help, and every other call would hit the same wall.
				Duration quotaWait = llm.retryAfter();
				return RetryDecision.giveUpAndOpen(Reason.NOT_RETRYABLE,
						(quotaWait != null) ? now.plus(quotaWait) : null);
			}
			if (!retryable(llm, settings, idempotent)) {
				return RetryDecision.giveUp(Reason.NOT_RETRYABLE);
			}
			if (Boolean.FALSE.equals(llm.serverRetryHint())) {
				// x-should-retry: false: the kind would be retried, the server says it
				// must not be.
				return RetryDecision.giveUp(Reason.SERVER_SAID_NO);
			}
			if (settings.respectRetryAfter()) {
				serverWait = llm.retryAfter();
			}
		}
		else if (!settings.retriesException(failure)) {
			return RetryDecision.giveUp(Reason.NOT_RETRYABLE);
		}
		if (attempt >= settings.maxAttempts()) {
			return RetryDecision.giveUp(Reason.ATTEMPTS_EXHAUSTED);
		}
		Duration wait;
		if (serverWait != null) {
			if (serverWait.compareTo(settings.maxRetryAfter()) > 0) {
				return giveUpOnServerWait(failure, Reason.RETRY_AFTER_TOO_LONG, now.plus(serverWait));
			}
			wait = jitter(serverWait, 0, SERVER_WAIT_JITTER);
		}
		else {
			wait = backoff(settings, attempt);
		}
		Instant next = now.plus(wait);
		if (!next.isBefore(targetStart.plus(settings.maxElapsed()))) {
			return (serverWait != null) ? giveUpOnServerWait(failure, Reason.MAX_ELAPSED, now.plus(serverWait))
					: RetryDecision.giveUp(Reason.MAX_ELAPSED);
		}
		if (deadline != null && !next.isBefore(deadline)) {
			return (serverWait != null) ? giveUpOnServerWait(failure, Reason.DEADLINE, now.plus(serverWait))
					: RetryDecision.giveUp(Reason.DEADLINE);
		}
		return (serverWait != null) ? RetryDecision.retryAfterServerWait(wait.toMillis())
				: RetryDecision.retryAfter(wait.toMillis());
	}

	/**
	 * Return whether an attempt may wait before it is sent, because its target's rate
	 * limit is used up or a declared limit has no permit free: as for a 429 whose
	 * {@code Retry-After} is that wait, it must be within {@code max-retry-after} and end
	 * before the target's {@code max-elapsed} and the call's deadline.
	 * @param wait the wait
	 * @param settings the policy's retry settings
	 * @param targetStart when the target's first attempt started
	 * @param deadline the call's deadline, or {@code null}
	 * @return whether to wait; otherwise the target is given up
	 */
	boolean mayPace(Duration wait, RetrySettings settings, Instant targetStart, @Nullable Instant deadline) {
		Instant next = this.clock.instant().plus(wait);
		return wait.compareTo(settings.maxRetryAfter()) <= 0 && next.isBefore(targetStart.plus(settings.maxElapsed()))
				&& (deadline == null || next.isBefore(deadline));
	}

	/**
	 * A 429 given up because of the wait its server asked for opens the circuit until the
	 * instant the server named, so later calls go straight to the fallback instead of
	 * asking again.
	 */
	private RetryDecision giveUpOnServerWait(Throwable failure, Reason reason, Instant serverInstant) {
		if (failure instanceof LlmException llm && llm.kind() == FailureKind.RATE_LIMITED) {
			return RetryDecision.giveUpAndOpen(reason, serverInstant);
		}
		return RetryDecision.giveUp(reason);
	}

	/**
	 * Whether the failure's kind is retried under these settings (the kind's
	 * {@link FailureKind#retriedWhen() rule}), and repeating the request is safe: a
	 * failure whose outcome is unknown is repeated only for an idempotent call, or a
	 * request never written.
	 */
	private static boolean retryable(LlmException failure, RetrySettings settings, boolean idempotent) {
		FailureKind kind = failure.kind();
		Integer status = failure.status();
		// x-should-retry: true allows a 409, 429 or 5xx that retry-on-status leaves out,
		// and never a
		// 4xx of another kind (false is the decider's: the kind would be retried, the
		// server says no).
		Boolean serverSaid = failure.serverRetryHint();
		boolean serverAllows = Boolean.TRUE.equals(serverSaid) && status != null
				&& (status == 409 || status == 429 || status >= 500);
		boolean retried = switch (kind.retriedWhen()) {
			case NEVER -> false;
			case STATUS_IS_LISTED -> status != null && (settings.retryOnStatus().contains(status) || serverAllows);
			case TIMEOUTS_ARE_RETRIED ->
				settings.retryOnTimeout() && (status == null || settings.retryOnStatus().contains(status));
			case CONNECTION_ERRORS_ARE_RETRIED -> settings.retryOnConnectionError();
		};
		return retried && (!kind.outcomeUnknown() || idempotent || !failure.requestSent());
	}

	/**
	 * Return the computed wait after the given attempt:
	 * {@code initial-backoff * multiplier^(n-1)}, capped at {@code max-backoff},
	 * randomised by the jitter around that value.
	 */
	Duration backoff(RetrySettings settings, int attempt) {
		double base = settings.initialBackoff().toNanos() * Math.pow(settings.multiplier(), attempt - 1);
		double capped = Math.min(base, settings.maxBackoff().toNanos());
		return jitter(Duration.ofNanos((long) capped), -settings.jitter(), settings.jitter());
	}

	/**
	 * Return how long a call whose targets are all out waits before it tries them again:
	 * until the earliest instant one is expected back, plus 0 to 10 % of that wait (as a
	 * server's {@code Retry-After} is, so that the calls waiting do not all wake at once
	 * on a half-open breaker), and a millisecond, so that the instant has passed. As for
	 * a server's wait, the wait before the jitter must be within {@code max-retry-after},
	 * and the whole wait must end before the call's deadline.
	 * @param earliest when a target is expected back
	 * @param settings the policy's retry settings
	 * @param deadline the call's deadline, or {@code null}
	 * @return the wait, or {@code null} if the policy does not allow it
	 */
	@Nullable Duration untilAvailable(Instant earliest, RetrySettings settings, @Nullable Instant deadline) {
		Instant now = this.clock.instant();
		Duration wait = Duration.between(now, earliest);
		if (wait.isNegative()) {
			wait = Duration.ZERO;
		}
		if (wait.compareTo(settings.maxRetryAfter()) > 0) {
			return null;
		}
		Duration jittered = jitter(wait, 0, SERVER_WAIT_JITTER).plusMillis(1);
		if (deadline != null && !now.plus(jittered).isBefore(deadline)) {
			return null;
		}
		return jittered;
	}

	private Duration jitter(Duration wait, double lowest, double highest) {
		if (lowest == highest) {
			return wait;
		}
		double factor = 1 + lowest + (highest - lowest) * this.random.nextDouble();
		return Duration.ofNanos((long) (wait.toNanos() * factor));
	}

}
