package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.WhenAllUnavailable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a call does when every target of its policy is out, in virtual time: {@code fail},
 * {@code wait} and {@code probe}.
 */
class WhenAllUnavailableTests extends EngineTestSupport {

	private static final RetrySettings WAITS_UP_TO_A_MINUTE = retry(4, Duration.ofSeconds(2));

	private final Deque<Double> randoms = new ArrayDeque<>();

	/**
	 * When every target is expected back, as {@link #everyTargetCoolsFor} set it last.
	 */
	private final AtomicReference<Instant> until = new AtomicReference<>();

	WhenAllUnavailableTests() {
		// The engine's source of jitter: the values the test queued, then 0.
		this.random = new RandomGenerator() {

			@Override
			public long nextLong() {
				return 0;
			}

			@Override
			public double nextDouble() {
				Double next = WhenAllUnavailableTests.this.randoms.poll();
				return (next != null) ? next : 0;
			}

		};
	}

	private static ResolvedPolicy policy(WhenAllUnavailable rule, RetrySettings retry, @Nullable Duration deadline) {
		return new ResolvedPolicy("summaries", List.of(PRIMARY, BACKUP), retry, FALLBACK_ON, deadline,
				HedgeSettings.DISABLED, null, rule);
	}

	/**
	 * Every target cools down until the same instant, as a server named it.
	 */
	private Instant everyTargetCoolsFor(Duration cooldown) {
		Instant until = this.clock.instant().plus(cooldown);
		this.resilience.holdOpen(PRIMARY, until);
		this.resilience.holdOpen(BACKUP, until);
		this.until.set(until);
		return until;
	}

	/**
	 * Return a call made once every target cools down (see {@link #everyTargetCoolsFor}).
	 */
	private Mono<Served> callOnceEveryTargetCoolsFor(Duration cooldown, LlmExecutor executor, ResolvedPolicy policy) {
		return Mono.fromRunnable(() -> everyTargetCoolsFor(cooldown)).then(servedCall(executor, policy));
	}

	/**
	 * Assert that a call ends at once, in virtual time, with a failure that satisfies the
	 * given assertions, and sends no request.
	 */
	private void assertEndsAtOnceWithoutARequest(Supplier<Mono<Served>> call, Consumer<LlmException> failure) {
		StepVerifier.withVirtualTime(call)
			.expectErrorSatisfies((error) -> failure.accept((LlmException) error))
			.verify(Duration.ofSeconds(5));
		assertThat(this.attempts).isEmpty();
	}

	@Test
	void failEndsTheCallAtOnceSayingWhenTheFirstTargetIsExpectedBack() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.FAIL, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		assertEndsAtOnceWithoutARequest(() -> callOnceEveryTargetCoolsFor(Duration.ofSeconds(30), executor, policy),
				(failure) -> {
					assertThat(failure.kind()).isEqualTo(FailureKind.CIRCUIT_OPEN);
					assertThat(failure.earliestAvailableAt()).isEqualTo(this.until.get());
					assertThat(failure.getMessage()).contains("expected back at " + this.until.get());
				});
	}

	@Test
	void theEarliestOfATargetPacedBeyondMaxRetryAfterAndAnOpenCircuitIsTheOneReported() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.FAIL,
				retry(4, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(10)), null);
		LlmExecutor executor = executor(policy);
		AtomicReference<Instant> start = new AtomicReference<>();
		assertEndsAtOnceWithoutARequest(() -> Mono.fromRunnable(() -> {
			start.set(this.clock.instant());
			this.pacing.exhaustUntil(PRIMARY, start.get().plusSeconds(20));
			this.resilience.holdOpen(BACKUP, start.get().plusSeconds(45));
		}).then(servedCall(executor, policy)),
				(failure) -> assertThat(failure.earliestAvailableAt()).isEqualTo(start.get().plusSeconds(20)));
	}

	@Test
	void aCallThatFailsOnAnAnswerIsNotUnavailable() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.WAIT, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, status(FailureKind.BAD_REQUEST, 400), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectErrorSatisfies((error) -> assertThat(((LlmException) error).earliestAvailableAt()).isNull())
			.verify();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void waitSendsNothingBeforeTheTargetsComeBackThenSpreadsTheWaitingCallsOverTheJitter() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.WAIT, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		this.randoms.addAll(List.of(0.0, 0.5, 0.999));
		StepVerifier
			.withVirtualTime(() -> Mono.fromRunnable(() -> everyTargetCoolsFor(Duration.ofSeconds(30)))
				.thenMany(Flux.merge(servedCall(executor, policy), servedCall(executor, policy),
						servedCall(executor, policy))))
			.expectSubscription()
			.expectNoEvent(Duration.ofSeconds(30))
			.then(() -> assertThat(this.attempts).isEmpty())
			.thenAwait(Duration.ofSeconds(3))
			.expectNext(new Served("openai", "gpt-4o", 1, false), new Served("openai", "gpt-4o", 1, false),
					new Served("openai", "gpt-4o", 1, false))
			.verifyComplete();
		// Right after the end of the cooldown, plus 0, 5 and 9.99 % of the 30s waited.
		assertThat(this.attempts).extracting(Attempt::at)
			.containsExactly(Instant.ofEpochMilli(30_001), Instant.ofEpochMilli(31_501), Instant.ofEpochMilli(32_998));
		assertThat(targets()).containsOnly(PRIMARY);
	}

	@Test
	void waitEndsTheCallAtOnceWhenTheTargetsComeBackAfterMaxRetryAfter() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.WAIT, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		assertEndsAtOnceWithoutARequest(() -> callOnceEveryTargetCoolsFor(Duration.ofSeconds(90), executor, policy),
				(failure) -> assertThat(failure.earliestAvailableAt()).isEqualTo(this.until.get()));
	}

	@Test
	void waitEndsTheCallAtOnceWhenTheTargetsComeBackAfterTheDeadline() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.WAIT, WAITS_UP_TO_A_MINUTE, Duration.ofSeconds(20));
		LlmExecutor executor = executor(policy);
		assertEndsAtOnceWithoutARequest(() -> callOnceEveryTargetCoolsFor(Duration.ofSeconds(30), executor, policy),
				(failure) -> assertThat(failure.kind()).isEqualTo(FailureKind.CIRCUIT_OPEN));
	}

	@Test
	void waitWaitsOnlyOnce() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.WAIT, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		AtomicReference<Instant> until = new AtomicReference<>();
		StepVerifier.withVirtualTime(() -> Mono.fromRunnable(() -> everyTargetCoolsFor(Duration.ofSeconds(30)))
			// Still out when the wait ends: the cooldown was made longer meanwhile.
			.then(Mono.fromRunnable(() -> Mono.delay(Duration.ofSeconds(10))
				.subscribe((tick) -> until.set(everyTargetCoolsFor(Duration.ofSeconds(40))))))
			.then(servedCall(executor, policy)))
			.thenAwait(Duration.ofSeconds(31))
			.expectErrorSatisfies(
					(error) -> assertThat(((LlmException) error).earliestAvailableAt()).isEqualTo(until.get()))
			.verify();
		assertThat(this.attempts).isEmpty();
	}

	@Test
	void probeSendsExactlyOneRequestToATargetItsFailuresOpenedAndItsSuccessHalfOpensTheCircuit() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.PROBE, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> Mono.fromRunnable(() -> {
			this.resilience.circuitBreaker(PRIMARY).transitionToOpenState();
			this.resilience.circuitBreaker(BACKUP).transitionToOpenState();
		}).then(servedCall(executor, policy))).expectNext(new Served("openai", "gpt-4o", 1, false)).verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
		assertThat(this.resilience.circuitBreaker(BACKUP).getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	@Test
	void aProbeThatFailsRecordsNothingAndEndsTheCall() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.PROBE, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		fail(BACKUP, status(FailureKind.SERVER_ERROR, 503), 1);
		StepVerifier.withVirtualTime(() -> Mono.fromRunnable(() -> {
			this.resilience.holdOpen(PRIMARY, this.clock.instant().plusSeconds(20));
			this.resilience.circuitBreaker(BACKUP).transitionToOpenState();
		}).then(servedCall(executor, policy))).expectErrorSatisfies((error) -> {
			LlmException failure = (LlmException) error;
			assertThat(failure.kind()).isEqualTo(FailureKind.SERVER_ERROR);
			assertThat(failure.earliestAvailableAt()).isEqualTo(Instant.ofEpochSecond(20));
			assertThat(failure.attempts()).isOne();
		}).verify();
		// Never the target whose server named a time.
		assertThat(targets()).containsExactly(BACKUP);
		CircuitBreaker backup = this.resilience.circuitBreaker(BACKUP);
		assertThat(backup.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		assertThat(backup.getMetrics().getNumberOfFailedCalls()).isZero();
		assertThat(backup.getMetrics().getNumberOfSuccessfulCalls()).isZero();
	}

	@Test
	void probeSendsNothingToTargetsWhoseServerNamedATime() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.PROBE, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> callOnceEveryTargetCoolsFor(Duration.ofSeconds(30), executor, policy))
			.expectErrorSatisfies((error) -> assertThat(((LlmException) error).earliestAvailableAt())
				.isEqualTo(Instant.ofEpochSecond(30)))
			.verify();
		assertThat(this.attempts).isEmpty();
	}

	@Test
	void probeTakesARetryBudgetPermitAndSendsNothingWithoutOne() {
		ResolvedPolicy policy = policy(WhenAllUnavailable.PROBE, WAITS_UP_TO_A_MINUTE, null);
		LlmExecutor executor = executor(policy, provider("openai", 0, budget(0)), provider("backup", 0, budget(0)));
		StepVerifier.withVirtualTime(() -> Mono.fromRunnable(() -> {
			this.resilience.circuitBreaker(PRIMARY).transitionToOpenState();
			this.resilience.circuitBreaker(BACKUP).transitionToOpenState();
		}).then(servedCall(executor, policy)))
			.expectErrorSatisfies(
					(error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.CIRCUIT_OPEN))
			.verify();
		assertThat(this.attempts).isEmpty();
		assertThat(count("llm.retries.denied", "provider", "openai", "reason", "retry-budget")).isOne();
	}

}
