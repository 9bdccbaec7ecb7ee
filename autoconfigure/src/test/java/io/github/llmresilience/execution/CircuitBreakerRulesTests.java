package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;

import io.github.resilience4j.core.functions.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.client.ConnectionPoolExhaustedException;
import io.github.llmresilience.execution.RetryDecision.Reason;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerRulesTests {

	@ParameterizedTest
	@EnumSource(FailureKind.class)
	void everyKindIsEitherRecordedOrIgnoredNeverCountedAsSuccess(FailureKind kind) {
		LlmException failure = LlmException.builder(kind).build();
		assertThat(CircuitBreakerRules.recorded(failure) ^ CircuitBreakerRules.ignored(failure)).isTrue();
	}

	@ParameterizedTest
	@EnumSource(value = FailureKind.class, names = { "RATE_LIMITED", "QUOTA_EXHAUSTED", "SERVER_ERROR", "TIMEOUT",
			"CONNECTION", "AUTH", "NOT_FOUND", "MALFORMED_RESPONSE" })
	void providerFailuresAreRecorded(FailureKind kind) {
		LlmException failure = LlmException.builder(kind).build();
		assertThat(
				CircuitBreakerRules.recorded(new AttemptFailure(failure, RetryDecision.giveUp(Reason.NOT_RETRYABLE))))
			.isTrue();
	}

	@ParameterizedTest
	@EnumSource(value = FailureKind.class,
			names = { "BAD_REQUEST", "CONTEXT_LENGTH", "CONTENT_FILTER", "CONFLICT", "CIRCUIT_OPEN" })
	void callerMistakesAndConflictsAreIgnored(FailureKind kind) {
		assertThat(CircuitBreakerRules.ignored(LlmException.builder(kind).build())).isTrue();
	}

	@Test
	void aLocalShortageOfPooledConnectionsIsIgnored() {
		LlmException failure = LlmException.builder(FailureKind.CONNECTION)
			.cause(new ConnectionPoolExhaustedException("no connection", new RuntimeException()))
			.build();
		assertThat(CircuitBreakerRules.ignored(failure)).isTrue();
		assertThat(CircuitBreakerRules.recorded(failure)).isFalse();
	}

	@Test
	void applicationExceptionsAndDeadlinesAreIgnored() {
		assertThat(CircuitBreakerRules.ignored(new IllegalArgumentException())).isTrue();
		assertThat(
				CircuitBreakerRules.ignored(new LlmDeadlineExceededException(Duration.ofSeconds(1), null, "p", "m", 1)))
			.isTrue();
	}

	@Test
	void giveUpThatNamesAnInstantOpensTheCircuitUntilThen() {
		Instant until = Instant.parse("2026-11-23T12:02:00Z");
		AttemptFailure failure = new AttemptFailure(LlmException.builder(FailureKind.RATE_LIMITED).build(),
				RetryDecision.giveUpAndOpen(Reason.RETRY_AFTER_TOO_LONG, until));
		var result = CircuitBreakerRules.transition(Either.right(failure), Duration.ofSeconds(30));
		assertThat(result.isTransitionToOpen()).isTrue();
		assertThat(result.getWaitUntil()).isEqualTo(until);
	}

	@Test
	void giveUpWithoutAnInstantOpensTheCircuitForItsOwnWait() {
		AttemptFailure failure = new AttemptFailure(LlmException.builder(FailureKind.QUOTA_EXHAUSTED).build(),
				RetryDecision.giveUpAndOpen(Reason.NOT_RETRYABLE, null));
		var result = CircuitBreakerRules.transition(Either.right(failure), Duration.ofSeconds(30));
		assertThat(result.isTransitionToOpen()).isTrue();
		assertThat(result.getWaitDuration()).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void otherOutcomesLeaveTheCircuitToItsThresholds() {
		AttemptFailure failure = new AttemptFailure(LlmException.builder(FailureKind.SERVER_ERROR).build(),
				RetryDecision.giveUp(Reason.ATTEMPTS_EXHAUSTED));
		assertThat(CircuitBreakerRules.transition(Either.right(failure), Duration.ofSeconds(30)).isTransitionToOpen())
			.isFalse();
		assertThat(CircuitBreakerRules.transition(Either.left("ok"), Duration.ofSeconds(30)).isTransitionToOpen())
			.isFalse();
	}

}
