package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.RetryDecision.Reason;
import io.github.llmresilience.policy.RetrySettings;

import static org.assertj.core.api.Assertions.assertThat;

class RetryDeciderTests {

	private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

	private final RetrySettings settings = new RetrySettings(4, Duration.ofSeconds(120), Duration.ofSeconds(2), 2.0,
			Duration.ofSeconds(30), 0, Set.of(408, 409, 429, 500, 502, 503, 504), true, true, true,
			Duration.ofSeconds(60), List.of(IllegalArgumentException.class));

	private RetryDecider decider(double random) {
		return new RetryDecider(Clock.fixed(NOW, ZoneOffset.UTC), () -> (long) (random * (1L << 53)) << 11);
	}

	private RetryDecision decide(Throwable failure, int attempt) {
		return decider(0).decide(failure, this.settings, attempt, NOW, null, true);
	}

	/**
	 * A 429 whose server asked for a wait.
	 */
	private static LlmException rateLimited(Duration retryAfter) {
		return LlmException.builder(FailureKind.RATE_LIMITED).status(429).retryAfter(retryAfter).build();
	}

	private static LlmException failure(FailureKind kind, Integer status) {
		return LlmException.builder(kind).status(status).requestSent(true).build();
	}

	@Test
	void waitsGrowExponentiallyFromTheInitialBackoff() {
		LlmException failure = failure(FailureKind.SERVER_ERROR, 503);
		assertThat(decide(failure, 1).waitMillis()).isEqualTo(2000);
		assertThat(decide(failure, 2).waitMillis()).isEqualTo(4000);
		assertThat(decide(failure, 3).waitMillis()).isEqualTo(8000);
	}

	@Test
	void waitsAreCappedAtMaxBackoff() {
		RetrySettings many = new RetrySettings(10, Duration.ofSeconds(600), Duration.ofSeconds(2), 2.0,
				Duration.ofSeconds(30), 0, Set.of(503), true, true, true, Duration.ofSeconds(60), List.of());
		assertThat(decider(0).decide(failure(FailureKind.SERVER_ERROR, 503), many, 6, NOW, null, true).waitMillis())
			.isEqualTo(30_000);
	}

	@Test
	void jitterRandomisesAroundTheComputedWait() {
		RetrySettings jittered = new RetrySettings(4, Duration.ofSeconds(120), Duration.ofSeconds(2), 2.0,
				Duration.ofSeconds(30), 0.5, Set.of(503), true, true, true, Duration.ofSeconds(60), List.of());
		LlmException failure = failure(FailureKind.SERVER_ERROR, 503);
		assertThat(decider(0).decide(failure, jittered, 1, NOW, null, true).waitMillis()).isEqualTo(1000);
		assertThat(decider(0.5).decide(failure, jittered, 1, NOW, null, true).waitMillis()).isEqualTo(2000);
		assertThat(decider(0.999).decide(failure, jittered, 1, NOW, null, true).waitMillis()).isBetween(2990L, 3000L);
	}

	@Test
	void serverWaitReplacesTheBackoffWithUpToTenPercentJitter() {
		LlmException failure = rateLimited(Duration.ofSeconds(10));
		assertThat(decider(0).decide(failure, this.settings, 1, NOW, null, true).waitMillis()).isEqualTo(10_000);
		assertThat(decider(0.999).decide(failure, this.settings, 1, NOW, null, true).waitMillis()).isBetween(10_990L,
				11_000L);
	}

	@Test
	void serverWaitAppliesToEveryRetriedKind() {
		LlmException failure = LlmException.builder(FailureKind.SERVER_ERROR)
			.status(503)
			.retryAfter(Duration.ofMillis(700))
			.build();
		assertThat(decide(failure, 1).waitMillis()).isEqualTo(700);
	}

	@Test
	void serverWaitIsIgnoredWhenRespectRetryAfterIsOff() {
		RetrySettings ignoring = new RetrySettings(4, Duration.ofSeconds(120), Duration.ofSeconds(2), 2.0,
				Duration.ofSeconds(30), 0, Set.of(429), true, true, false, Duration.ofSeconds(60), List.of());
		LlmException failure = rateLimited(Duration.ofSeconds(120));
		RetryDecision decision = decider(0).decide(failure, ignoring, 1, NOW, null, true);
		assertThat(decision.retry()).isTrue();
		assertThat(decision.waitMillis()).isEqualTo(2000);
	}

	@Test
	void serverWaitBeyondMaxRetryAfterGivesTheTargetUpAndOpensItsCircuitUntilThatInstant() {
		LlmException failure = rateLimited(Duration.ofSeconds(120));
		assertThat(decide(failure, 1))
			.isEqualTo(RetryDecision.giveUpAndOpen(Reason.RETRY_AFTER_TOO_LONG, NOW.plusSeconds(120)));
	}

	@Test
	void maxRetryAfterIsCheckedBeforeJitter() {
		LlmException failure = rateLimited(Duration.ofSeconds(60));
		RetryDecision decision = decider(0.999).decide(failure, this.settings, 1, NOW, null, true);
		assertThat(decision.retry()).isTrue();
		assertThat(decision.waitMillis()).isGreaterThan(60_000);
	}

	@Test
	void aWaitThatWouldEndAfterMaxElapsedGivesTheTargetUp() {
		LlmException failure = failure(FailureKind.SERVER_ERROR, 503);
		assertThat(decider(0).decide(failure, this.settings, 2, NOW.minusSeconds(117), null, true))
			.isEqualTo(RetryDecision.giveUp(Reason.MAX_ELAPSED));
	}

	@Test
	void aWaitThatWouldEndAfterTheDeadlineGivesTheTargetUp() {
		LlmException failure = failure(FailureKind.SERVER_ERROR, 503);
		RetryDecision decision = decider(0).decide(failure, this.settings, 1, NOW, NOW.plusSeconds(2), true);
		assertThat(decision.reason()).isEqualTo(Reason.DEADLINE);
		assertThat(decider(0).decide(failure, this.settings, 1, NOW, NOW.plusMillis(2001), true).retry()).isTrue();
	}

	@Test
	void lastAttemptIsLeftToTheRetryToCount() {
		RetryDecision decision = decide(failure(FailureKind.SERVER_ERROR, 503), 4);
		assertThat(decision).isEqualTo(RetryDecision.giveUp(Reason.ATTEMPTS_EXHAUSTED));
		assertThat(decision.acceptedByRetry()).isTrue();
		assertThat(decision.retry()).isFalse();
	}

	@Test
	void kindsThatWaitingCannotFixAreNeverRetried() {
		for (FailureKind kind : List.of(FailureKind.AUTH, FailureKind.NOT_FOUND, FailureKind.BAD_REQUEST,
				FailureKind.CONTEXT_LENGTH, FailureKind.CONTENT_FILTER, FailureKind.MALFORMED_RESPONSE)) {
			RetryDecision decision = decide(failure(kind, 400), 1);
			assertThat(decision.reason()).as(kind.value()).isEqualTo(Reason.NOT_RETRYABLE);
			assertThat(decision.acceptedByRetry()).isFalse();
		}
	}

	@Test
	void quotaExhaustedIsNeverRetriedAndOpensTheCircuit() {
		assertThat(decide(failure(FailureKind.QUOTA_EXHAUSTED, 429), 1))
			.isEqualTo(RetryDecision.giveUpAndOpen(Reason.NOT_RETRYABLE, null));
	}

	@Test
	void statusesOutsideRetryOnStatusAreNotRetried() {
		assertThat(decide(failure(FailureKind.SERVER_ERROR, 529), 1).reason()).isEqualTo(Reason.NOT_RETRYABLE);
		assertThat(decide(failure(FailureKind.SERVER_ERROR, 501), 1).reason()).isEqualTo(Reason.NOT_RETRYABLE);
		assertThat(decide(failure(FailureKind.CONFLICT, 409), 1).retry()).isTrue();
	}

	@Test
	void timeoutsAreRetriedOnlyWhenIdempotent() {
		LlmException timeout = LlmException.builder(FailureKind.TIMEOUT).requestSent(true).build();
		assertThat(decider(0).decide(timeout, this.settings, 1, NOW, null, true).retry()).isTrue();
		assertThat(decider(0).decide(timeout, this.settings, 1, NOW, null, false).retry()).isFalse();
	}

	@Test
	void connectionFailuresAfterTheRequestWasSentAreRetriedOnlyWhenIdempotent() {
		LlmException sent = LlmException.builder(FailureKind.CONNECTION).requestSent(true).build();
		LlmException refused = LlmException.builder(FailureKind.CONNECTION).requestSent(false).build();
		assertThat(decider(0).decide(sent, this.settings, 1, NOW, null, false).retry()).isFalse();
		assertThat(decider(0).decide(refused, this.settings, 1, NOW, null, false).retry()).isTrue();
		assertThat(decider(0).decide(sent, this.settings, 1, NOW, null, true).retry()).isTrue();
	}

	@Test
	void retryOnExceptionsRetriesTheApplicationsOwnExceptions() {
		assertThat(decide(new IllegalArgumentException("unparseable"), 1).retry()).isTrue();
		assertThat(decide(new IllegalStateException("bug"), 1).reason()).isEqualTo(Reason.NOT_RETRYABLE);
	}

	@Test
	void aPassedDeadlineIsNeverRetried() {
		RetryDecision decision = decide(new LlmDeadlineExceededException(Duration.ofSeconds(1), null, "p", "m", 1), 1);
		assertThat(decision.reason()).isEqualTo(Reason.DEADLINE);
	}

}
