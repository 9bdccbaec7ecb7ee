package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine with a stubbed transport, in virtual time: the order of layers and every
 * give-up rule, without sockets.
 */
class LlmExecutorTests {

	private static final Target PRIMARY = new Target("openai", "gpt-4o");

	private static final Target BACKUP = new Target("backup", "claude");

	private static final Set<FailureKind> FALLBACK_ON = EnumSet.of(FailureKind.RATE_LIMITED,
			FailureKind.QUOTA_EXHAUSTED, FailureKind.SERVER_ERROR, FailureKind.TIMEOUT, FailureKind.CONNECTION,
			FailureKind.CONFLICT, FailureKind.CIRCUIT_OPEN, FailureKind.AUTH, FailureKind.NOT_FOUND,
			FailureKind.MALFORMED_RESPONSE);

	private final Map<Target, Deque<Function<AttemptScope, Publisher<String>>>> scripts = new LinkedHashMap<>();

	private final List<Attempt> attempts = new ArrayList<>();

	private final Clock clock = new VirtualClock();

	private static RetrySettings retry(int maxAttempts, Duration initialBackoff) {
		return new RetrySettings(maxAttempts, Duration.ofSeconds(120), initialBackoff, 2.0, Duration.ofSeconds(30), 0,
				Set.of(408, 409, 429, 500, 502, 503, 504), true, true, true, Duration.ofSeconds(60), List.of());
	}

	private static ResolvedPolicy policy(RetrySettings retry, Duration deadline, Target... targets) {
		return new ResolvedPolicy("summaries", List.of(targets), retry, FALLBACK_ON, deadline);
	}

	private LlmExecutor executor(ResolvedPolicy policy, CircuitBreakerSettings circuitBreaker) {
		Map<Target, CircuitBreakerSettings> circuitBreakers = new LinkedHashMap<>();
		policy.targets().forEach((target) -> circuitBreakers.put(target, circuitBreaker));
		LlmPolicies policies = new LlmPolicies(Map.of(policy.name(), policy), circuitBreakers);
		TargetResilience resilience = new TargetResilience(policies, RetryRegistry.ofDefaults(),
				CircuitBreakerRegistry.ofDefaults(), this.clock);
		this.resilience = resilience;
		return new LlmExecutor(resilience, this.clock, () -> 0L, LlmObservability.NONE);
	}

	private TargetResilience resilience;

	private static CircuitBreakerSettings circuitBreaker() {
		return new CircuitBreakerSettings(true, 50, 20, 10, Duration.ofSeconds(30), 2);
	}

	private void script(Target target, Function<AttemptScope, Publisher<String>> response) {
		this.scripts.computeIfAbsent(target, (key) -> new ArrayDeque<>()).add(response);
	}

	private void fail(Target target, LlmException.Builder failure, int times) {
		for (int i = 0; i < times; i++) {
			script(target, (scope) -> Mono.error(failure.target(target.provider(), target.model()).build()));
		}
	}

	private void ok(Target target, String text) {
		script(target, (scope) -> Mono.just(text));
	}

	private Publisher<String> attempt(AttemptScope scope) {
		scope.call().attemptSent();
		this.attempts.add(new Attempt(scope.target(), this.clock.instant()));
		Deque<Function<AttemptScope, Publisher<String>>> script = this.scripts.get(scope.target());
		if (script == null || script.isEmpty()) {
			return Mono.just("default from " + scope.target());
		}
		return script.poll().apply(scope);
	}

	private Mono<Served> servedCall(LlmExecutor executor, ResolvedPolicy policy) {
		return executor.mono(policy, ExecutionOptions.idempotentCall(),
				(scope) -> Mono.from(attempt(scope)).map((text) -> scope.served()));
	}

	private List<Duration> offsets() {
		Instant first = this.attempts.get(0).at();
		return this.attempts.stream().map((attempt) -> Duration.between(first, attempt.at())).toList();
	}

	private List<Target> targets() {
		return this.attempts.stream().map(Attempt::target).toList();
	}

	private static LlmException.Builder status(FailureKind kind, int status) {
		return LlmException.builder(kind).status(status).requestSent(true);
	}

	@Test
	void whenPrimaryFailsThreeTimesThenFallbackServesAfterFourAttempts() {
		ResolvedPolicy policy = policy(retry(3, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 3);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.thenAwait(Duration.ofSeconds(6))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 4, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY, PRIMARY, BACKUP);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(6),
				Duration.ofSeconds(6));
	}

	@Test
	void whenRateLimitedWithRetryAfterThenWaitsWhatTheServerAsked() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(1)), 2);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(1999))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 3, false)))
			.verifyComplete();
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2));
	}

	@Test
	void whenRetryAfterExceedsMaxRetryAfterThenFallsBackAtOnceAndKeepsThePrimaryOpenUntilThatInstant() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, circuitBreaker());
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
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.QUOTA_EXHAUSTED, 429).errorCode("insufficient_quota"), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true)))
			.verifyComplete();
		assertThat(this.resilience.circuitBreaker(PRIMARY).getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	@Test
	void whenBadRequestThenOneAttemptAndTheCallFails() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, circuitBreaker());
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
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, LlmException.builder(FailureKind.TIMEOUT).requestSent(true), 1);
		StepVerifier.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.nonIdempotentCall(), this::attempt))
			.expectErrorSatisfies((error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.TIMEOUT))
			.verify();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void whenTheDeadlineIsShorterThanTheRetriesThenTheCallEndsOnTimeWithTheLastFailureAsCause() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), Duration.ofSeconds(5), PRIMARY);
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		script(PRIMARY, (scope) -> Mono.never());
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(4999))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmDeadlineExceededException.class);
				assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.TIMEOUT);
				assertThat(error.getCause()).isInstanceOf(LlmException.class);
				assertThat(((LlmException) error).attempts()).isEqualTo(2);
			})
			.verify();
	}

	@Test
	void whenARetryWouldOverrunTheDeadlineThenTheTargetIsGivenUpAtOnce() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(4)), Duration.ofSeconds(3), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.assertNext((served) -> assertThat(served.provider()).isEqualTo("backup"))
			.verifyComplete();
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ZERO);
	}

	@Test
	void whenCancelledDuringAWaitThenNoFurtherAttemptIsMade() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2)), null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.SERVER_ERROR, 503), 4);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.thenAwait(Duration.ofSeconds(1))
			.thenCancel()
			.verify();
		StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofSeconds(60)))
			.thenAwait(Duration.ofSeconds(60))
			.expectNextCount(1)
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
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
		LlmExecutor executor = executor(policy, circuitBreaker());
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
		LlmExecutor executor = executor(policy, circuitBreaker());
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
		LlmExecutor executor = executor(policy, circuitBreaker());
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
		LlmExecutor executor = executor(policy, circuitBreaker());
		fail(PRIMARY, status(FailureKind.BAD_REQUEST, 400), 1);
		FallbackHandler<String> cached = (failure) -> Mono.just("cached");
		StepVerifier
			.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.<String>idempotentCall().withFallback(cached),
					this::attempt))
			.expectErrorSatisfies(
					(error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.BAD_REQUEST))
			.verify();
	}

	private record Attempt(Target target, Instant at) {

	}

	/**
	 * A clock that reads Reactor's (possibly virtual) time.
	 */
	static final class VirtualClock extends Clock {

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return Instant.ofEpochMilli(Schedulers.parallel().now(TimeUnit.MILLISECONDS));
		}

	}

}
