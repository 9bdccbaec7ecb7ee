package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.ResolvedPolicy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine with a stubbed transport, in virtual time: the order of layers and every
 * give-up rule, without sockets.
 */
class LlmExecutorTests extends EngineTestSupport {

	@Test
	void whenPrimaryFailsThreeTimesThenFallbackServesAfterFourAttempts() {
		ResolvedPolicy policy = policy(retry(3, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 3);
		assertServed(executor, policy, Duration.ofSeconds(6), new Served("backup", "claude", 4, true));
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY, PRIMARY, BACKUP);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(6),
				Duration.ofSeconds(6));
	}

	@Test
	void whenRateLimitedWithRetryAfterThenWaitsWhatTheServerAsked() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(1)), 2);
		assertServedAt(executor, policy, Duration.ofMillis(2000), new Served("openai", "gpt-4o", 3, false));
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2));
	}

	@Test
	void whenRetryAfterExceedsMaxRetryAfterThenFallsBackAtOnceAndKeepsThePrimaryOpenUntilThatInstant() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(120)), 1);
		StepVerifier
			.withVirtualTime(
					() -> servedCall(executor, policy).then(servedCall(executor, policy).delayElement(Duration.ZERO))
						.then(Mono.delay(Duration.ofSeconds(119)))
						.then(servedCall(executor, policy))
						.then(Mono.delay(Duration.ofSeconds(2)))
						.then(servedCall(executor, policy)))
			.thenAwait(Duration.ofSeconds(121))
			.assertNext((served) -> assertThat(served.provider()).isEqualTo("openai"))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, BACKUP, BACKUP, PRIMARY);
		assertThat(offsets().get(1)).isEqualTo(Duration.ZERO);
		assertThat(offsets().get(4)).isEqualTo(Duration.ofSeconds(121));
	}

	@Test
	void whenQuotaIsExhaustedThenFallsBackWithoutRetry() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.QUOTA_EXHAUSTED, 429).errorCode("insufficient_quota"), 1);
		assertServed(executor, policy, Duration.ZERO, new Served("backup", "claude", 2, true));
		assertThat(this.resilience.circuitBreaker(PRIMARY).getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	@Test
	void whenBadRequestThenOneAttemptAndTheCallFails() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.BAD_REQUEST, 400).providerMessage("Unrecognized request argument"), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(LlmException.class)
				.hasMessageContaining("Unrecognized request argument")
				.extracting((e) -> ((LlmException) e).attempts())
				.isEqualTo(1))
			.verify();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfFailedCalls()).isZero();
	}

	@Test
	void whenNotIdempotentThenATimeoutIsNeitherRetriedNorSentToTheFallback() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, LlmException.builder(FailureKind.TIMEOUT).requestSent(true), 1);
		StepVerifier.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.nonIdempotentCall(), this::attempt))
			.expectErrorSatisfies((error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.TIMEOUT))
			.verify();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void whenTheDeadlineIsShorterThanTheRetriesThenTheCallEndsOnTimeWithTheLastFailureAsCause() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), Duration.ofSeconds(5), PRIMARY);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		script(PRIMARY, (scope) -> Mono.never());
		assertFailsAt(executor, policy, Duration.ofMillis(5000), (error) -> {
			assertThat(error).isInstanceOf(LlmDeadlineExceededException.class);
			assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.TIMEOUT);
			assertThat(error.getCause()).isInstanceOf(LlmException.class);
			assertThat(((LlmException) error).attempts()).isEqualTo(2);
		});
	}

	@Test
	void whenARetryWouldOverrunTheDeadlineThenTheTargetIsGivenUpAtOnce() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(4)), Duration.ofSeconds(3), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.assertNext((served) -> assertThat(served.provider()).isEqualTo("backup"))
			.verifyComplete();
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ZERO);
	}

	@Test
	void whenCancelledDuringAWaitThenNoFurtherAttemptIsMade() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 4);
		// Cancelled after 1 s, during the wait before the second attempt.
		StepVerifier
			.withVirtualTime(
					() -> idleAfter(servedCall(executor, policy).take(Duration.ofSeconds(1)), Duration.ofSeconds(60)))
			.thenAwait(Duration.ofSeconds(61))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(executor.callsInFlight()).isZero();
	}

	@Test
	void whenCallsEndThenNoneIsLeftInFlight() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY);
		LlmExecutor executor = executor(policy);
		assertServed(executor, policy, Duration.ZERO, new Served("openai", "gpt-4o", 1, false));
		assertFailsWithABadRequest(executor, policy);
		script(PRIMARY, (scope) -> Mono.never());
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.then(() -> assertThat(executor.callsInFlight()).isOne())
			.thenCancel()
			.verify();
		assertThat(executor.callsInFlight()).isZero();
	}

	@Test
	void whenPrimaryIsDownAcrossManyCallsThenItsCircuitOpensAndLaterCallsSkipIt() {
		ResolvedPolicy policy = policy(retry(1, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, new CircuitBreakerSettings(true, 50, 4, 4, Duration.ofSeconds(30), 1));
		for (int i = 0; i < 4; i++) {
			fail(PRIMARY, status(FailureKind.SERVER_ERROR, 500), 1);
		}
		StepVerifier.withVirtualTime(() -> Flux.range(0, 10).concatMap((i) -> servedCall(executor, policy)))
			.expectNextCount(10)
			.verifyComplete();
		assertThat(targets().stream().filter(PRIMARY::equals)).hasSize(4);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	@Test
	void afterTheOpenStateWaitHalfOpenProbesReachThePrimaryAgain() {
		ResolvedPolicy policy = policy(retry(1, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, new CircuitBreakerSettings(true, 50, 2, 2, Duration.ofSeconds(30), 1));
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 500), 2);
		StepVerifier
			.withVirtualTime(() -> Flux.range(0, 3)
				.concatMap((i) -> servedCall(executor, policy))
				.concatWith(Mono.delay(Duration.ofMillis(30_001)).then(servedCall(executor, policy))))
			.expectNextCount(3)
			.thenAwait(Duration.ofMillis(30_001))
			.assertNext((served) -> assertThat(served.provider()).isEqualTo("openai"))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, PRIMARY, BACKUP, BACKUP, PRIMARY);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
	}

	@Test
	void whenAStreamBreaksAfterItsFirstElementsThenTheyAreNotRepeatedAndTheCallIsInterrupted() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		LlmException reset = LlmException.builder(FailureKind.CONNECTION).requestSent(true).build();
		script(PRIMARY, (scope) -> Flux.just("a", "b", "c").concatWith(Flux.error(reset)));
		StepVerifier
			.withVirtualTime(() -> executor.execute(policy,
					ExecutionOptions.<String>idempotentCall().withText((s) -> s), this::attempt))
			.expectNext("a", "b", "c")
			.expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmStreamInterruptedException.class);
				assertThat(((LlmStreamInterruptedException) error).partialText()).isEqualTo("abc");
				assertThat(error.getMessage()).doesNotContain("abc");
				assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.CONNECTION);
			})
			.verify();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void whenAStreamFailsBeforeItsFirstElementThenItIsRetriedTransparently() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		script(PRIMARY, (scope) -> Flux.just("x", "y"));
		StepVerifier
			.withVirtualTime(() -> executor.execute(policy,
					ExecutionOptions.<String>idempotentCall().withText((s) -> s), this::attempt))
			.thenAwait(Duration.ofSeconds(2))
			.expectNext("x", "y")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY);
	}

	@Test
	void whenEveryTargetFailsThenTheFallbackHandlerAnswers() {
		ResolvedPolicy policy = policy(retry(1, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		fail(BACKUP, status(FailureKind.SERVER_ERROR, 503), 1);
		FallbackHandler<String> cached = (failure) -> Mono.just("cached after " + ((LlmException) failure).kind());
		StepVerifier
			.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.<String>idempotentCall().withFallback(cached),
					this::attempt))
			.expectNext("cached after server-error")
			.verifyComplete();
	}

	@Test
	void whenTheFailureIsABadRequestThenTheFallbackHandlerDoesNotRun() {
		ResolvedPolicy policy = policy(retry(1, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.BAD_REQUEST, 400), 1);
		FallbackHandler<String> cached = (failure) -> Mono.just("cached");
		StepVerifier
			.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.<String>idempotentCall().withFallback(cached),
					this::attempt))
			.expectErrorSatisfies(
					(error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.BAD_REQUEST))
			.verify();
	}

	@Test
	void whenATargetIsUsedUpForLongerThanMaxRetryAfterThenItReceivesNothingAndTheCallFallsBackAtOnce() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET), provider("backup", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plus(Duration.ofMinutes(6)));
			return servedCall(executor, policy);
		})
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 1, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(BACKUP);
		assertThat(this.attempts.get(0).at()).isEqualTo(Instant.EPOCH);
		assertThat(count("llm.paced", "provider", "openai", "model", "gpt-4o", "action", "skipped")).isEqualTo(1);
		assertThat(count("llm.fallbacks", "reason", "rate-limited")).isEqualTo(1);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfFailedCalls())
			.as("a request never sent says nothing new about the provider")
			.isZero();
	}

	@Test
	void whenAPacedTargetHasNoFallbackThenTheCallEndsWithARateLimitedFailureThatSentNothing() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plus(Duration.ofMinutes(6)));
			return servedCall(executor, policy);
		}).expectErrorSatisfies((error) -> {
			LlmException failure = (LlmException) error;
			assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
			assertThat(failure.requestSent()).isFalse();
			assertThat(failure.attempts()).isZero();
			assertThat(failure.retryAfter()).isEqualTo(Duration.ofMinutes(6));
			assertThat(failure.getMessage()).contains("used up until");
		}).verify();
		assertThat(this.attempts).isEmpty();
	}

	@Test
	void whenTheRetryBudgetDeniesRetriesBeyondItsShareThenTheCallMovesToAnotherProvider() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, budget(0.2)), provider("backup", 0, NO_BUDGET));
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 10);
		StepVerifier
			.withVirtualTime(() -> Flux.range(0, 5).concatMap((i) -> servedCall(executor, policy)).collectList())
			.thenAwait(Duration.ofSeconds(10))
			.assertNext((served) -> assertThat(served).extracting(Served::provider).containsOnly("backup"))
			.verifyComplete();
		// 5 first requests, 1 retry: the budget's 20 %. The first four calls' retries are
		// denied, and so is the fifth call's second retry.
		assertThat(targets().stream().filter(PRIMARY::equals)).hasSize(6);
		assertThat(count("llm.retries.denied", "policy", "summaries", "provider", "openai", "reason", "retry-budget"))
			.isEqualTo(5);
		assertThat(count("llm.retries", "reason", "server-error")).isEqualTo(1);
	}

	@Test
	void whenTheCallFallsBackToAnotherModelOfAProviderItAskedThenThatIsARetryForTheProvidersBudget() {
		ResolvedPolicy policy = policy(retry(1, Duration.ofSeconds(2)), null, PRIMARY, SAME_PROVIDER, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, budget(0)), provider("backup", 0, NO_BUDGET));
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		assertServed(executor, policy, Duration.ZERO, new Served("backup", "claude", 2, true));
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(count("llm.retries.denied", "model", "gpt-4o-mini", "reason", "retry-budget")).isEqualTo(1);
	}

	@Test
	void whenTheFirstAttemptSucceedsThenTheRetryAndTheCircuitBreakerStillCountIt() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY);
		LlmExecutor executor = executor(policy);
		assertServed(executor, policy, Duration.ZERO, new Served("openai", "gpt-4o", 1, false));
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		assertServed(executor, policy, Duration.ofSeconds(2), new Served("openai", "gpt-4o", 2, false));
		assertFailsWithABadRequest(executor, policy);
		Retry.Metrics retry = this.resilience.retry(policy, PRIMARY).getMetrics();
		assertThat(retry.getNumberOfSuccessfulCallsWithoutRetryAttempt()).isOne();
		assertThat(retry.getNumberOfSuccessfulCallsWithRetryAttempt()).isOne();
		assertThat(retry.getNumberOfFailedCallsWithoutRetryAttempt()).isOne();
		assertThat(retry.getNumberOfTotalCalls()).isEqualTo(4);
		CircuitBreaker.Metrics circuitBreaker = this.resilience.circuitBreaker(PRIMARY).getMetrics();
		assertThat(circuitBreaker.getNumberOfSuccessfulCalls()).isEqualTo(2);
		assertThat(circuitBreaker.getNumberOfFailedCalls()).isZero();
		assertThat(circuitBreaker.getNumberOfBufferedCalls()).isEqualTo(2);
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY, PRIMARY, PRIMARY);
	}

	@Test
	void whenAStreamSucceedsOnItsFirstAttemptThenEveryChunkIsDeliveredOnceAndTheRetryCountsIt() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY);
		LlmExecutor executor = executor(policy);
		script(PRIMARY, (scope) -> Flux.just("a", "b", "c"));
		StepVerifier.withVirtualTime(() -> stream(executor, policy)).expectNext("a", "b", "c").verifyComplete();
		assertThat(this.resilience.retry(policy, PRIMARY).getMetrics().getNumberOfSuccessfulCallsWithoutRetryAttempt())
			.isOne();
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfSuccessfulCalls()).isOne();
	}

	/**
	 * Make the primary answer the next request with a 400, which the call fails with at
	 * once.
	 */
	private void assertFailsWithABadRequest(LlmExecutor executor, ResolvedPolicy policy) {
		fail(PRIMARY, status(FailureKind.BAD_REQUEST, 400), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectErrorSatisfies(
					(failure) -> assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.BAD_REQUEST))
			.verify();
	}

}
