package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.MicrometerLlmMetrics;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.RetryBudgetSettings;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What holds requests back before they are sent, in virtual time with a stubbed
 * transport: a target whose rate limit is known to be used up, a declared request limit,
 * and the retry budget of a provider.
 */
class PacingTests {

	private static final Target PRIMARY = new Target("openai", "gpt-4o");

	private static final Target SAME_PROVIDER = new Target("openai", "gpt-4o-mini");

	private static final Target BACKUP = new Target("backup", "claude");

	private static final Set<FailureKind> FALLBACK_ON = EnumSet.of(FailureKind.RATE_LIMITED, FailureKind.SERVER_ERROR,
			FailureKind.CIRCUIT_OPEN);

	private static final RetryBudgetSettings NO_BUDGET = new RetryBudgetSettings(false, 0.2, Duration.ofSeconds(10),
			1.0);

	private final Clock clock = new LlmExecutorTests.VirtualClock();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final Map<Target, Deque<Function<AttemptScope, Mono<String>>>> scripts = new LinkedHashMap<>();

	private final List<Attempt> attempts = new ArrayList<>();

	private TargetResilience resilience;

	private Pacing pacing;

	private static RetrySettings retry(int maxAttempts, Duration maxRetryAfter) {
		return new RetrySettings(maxAttempts, Duration.ofSeconds(120), Duration.ofSeconds(2), 2.0,
				Duration.ofSeconds(30), 0, Set.of(408, 409, 429, 500, 502, 503, 504), true, true, true, maxRetryAfter,
				List.of());
	}

	private LlmExecutor executor(ResolvedPolicy policy, ProviderPacing... providers) {
		Map<Target, CircuitBreakerSettings> circuitBreakers = new LinkedHashMap<>();
		policy.targets()
			.forEach((target) -> circuitBreakers.put(target,
					new CircuitBreakerSettings(true, 50, 20, 10, Duration.ofSeconds(30), 2)));
		this.resilience = new TargetResilience(new LlmPolicies(Map.of(policy.name(), policy), circuitBreakers),
				RetryRegistry.ofDefaults(), CircuitBreakerRegistry.ofDefaults(), this.clock);
		MicrometerLlmMetrics metrics = new MicrometerLlmMetrics(this.meters);
		this.pacing = new Pacing(List.of(providers), this.clock, metrics);
		return new LlmExecutor(this.resilience, this.clock, () -> 0L,
				new LlmObservability(io.micrometer.observation.ObservationRegistry.NOOP, null, null, metrics),
				this.pacing);
	}

	private static ResolvedPolicy policy(RetrySettings retry, Target... targets) {
		return new ResolvedPolicy("summaries", List.of(targets), retry, FALLBACK_ON, null);
	}

	private static ProviderPacing provider(String name, int requestsPerMinute, RetryBudgetSettings budget) {
		return new ProviderPacing(name, true, requestsPerMinute, budget);
	}

	private void fail(Target target, LlmException.Builder failure, int times) {
		for (int i = 0; i < times; i++) {
			this.scripts.computeIfAbsent(target, (key) -> new ArrayDeque<>())
				.add((scope) -> Mono.error(failure.target(target.provider(), target.model()).build()));
		}
	}

	private Mono<String> attempt(AttemptScope scope) {
		scope.call().attemptSent();
		this.attempts.add(new Attempt(scope.target(), this.clock.instant()));
		Deque<Function<AttemptScope, Mono<String>>> script = this.scripts.get(scope.target());
		return (script == null || script.isEmpty()) ? Mono.just("ok") : script.poll().apply(scope);
	}

	private Mono<Served> call(LlmExecutor executor, ResolvedPolicy policy) {
		return executor.mono(policy, ExecutionOptions.idempotentCall(),
				(scope) -> attempt(scope).map((text) -> scope.served()));
	}

	private List<Target> targets() {
		return this.attempts.stream().map(Attempt::target).toList();
	}

	private List<Duration> offsets() {
		Instant first = Instant.ofEpochMilli(0);
		return this.attempts.stream().map((attempt) -> Duration.between(first, attempt.at())).toList();
	}

	private double count(String name, String... tags) {
		var counter = this.meters.find(name).tags(tags).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static LlmException.Builder serverError() {
		return LlmException.builder(FailureKind.SERVER_ERROR).status(503).requestSent(true);
	}

	@Test
	void aTargetKnownToBeUsedUpIsWaitedForWhenThePolicyAllowsTheWait() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(60)), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET), provider("backup", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plusSeconds(20));
			return call(executor, policy);
		})
			.expectSubscription()
			.expectNoEvent(Duration.ofSeconds(20))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 1, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(offsets().get(0)).isEqualTo(Duration.ofSeconds(20));
		assertThat(count("llm.paced", "provider", "openai", "model", "gpt-4o", "action", "waited")).isEqualTo(1);
	}

	@Test
	void aTargetUsedUpForLongerThanMaxRetryAfterIsGivenUpWithoutARequestAndTheCallFallsBackAtOnce() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(60)), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET), provider("backup", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plus(Duration.ofMinutes(6)));
			return call(executor, policy);
		})
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 1, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(BACKUP);
		assertThat(offsets().get(0)).isZero();
		assertThat(count("llm.paced", "provider", "openai", "model", "gpt-4o", "action", "skipped")).isEqualTo(1);
		assertThat(count("llm.fallbacks", "reason", "rate-limited")).isEqualTo(1);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfFailedCalls())
			.as("a request never sent says nothing new about the provider")
			.isZero();
	}

	@Test
	void withoutAFallbackAPacedTargetEndsTheCallWithARateLimitedFailureThatSentNothing() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(60)), PRIMARY);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plus(Duration.ofMinutes(6)));
			return call(executor, policy);
		}).expectErrorSatisfies((error) -> {
			LlmException failure = (LlmException) error;
			assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
			assertThat(failure.requestSent()).isFalse();
			assertThat(failure.attempts()).isZero();
			assertThat(failure.retryAfter()).hasValue(Duration.ofMinutes(6));
			assertThat(failure.getMessage()).contains("used up until");
		}).verify();
		assertThat(this.attempts).isEmpty();
	}

	@Test
	void theWaitForAUsedUpTargetMustEndBeforeTheTargetsMaxElapsed() {
		RetrySettings shortTarget = new RetrySettings(4, Duration.ofSeconds(10), Duration.ofSeconds(2), 2.0,
				Duration.ofSeconds(30), 0, Set.of(429, 503), true, true, true, Duration.ofSeconds(60), List.of());
		ResolvedPolicy policy = policy(shortTarget, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET), provider("backup", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plusSeconds(20));
			return call(executor, policy);
		}).assertNext((served) -> assertThat(served.provider()).isEqualTo("backup")).verifyComplete();
		assertThat(targets()).containsExactly(BACKUP);
	}

	@Test
	void aDeclaredLimitSpacesRequestsInsteadOfSendingThemAtOnce() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(60)), PRIMARY);
		StepVerifier.withVirtualTime(() -> {
			// Created in virtual time: the limiter's periods count on the clock it starts
			// with.
			LlmExecutor executor = executor(policy, provider("openai", 60, NO_BUDGET));
			return Flux.merge(call(executor, policy), call(executor, policy), call(executor, policy));
		}).expectSubscription().thenAwait(Duration.ofSeconds(3)).expectNextCount(3).verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY, PRIMARY);
		// 60 per minute: one per second.
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2));
		assertThat(count("llm.paced", "action", "waited")).isGreaterThanOrEqualTo(2);
	}

	@Test
	void theRetryBudgetDeniesRetriesBeyondItsShareAndTheCallMovesToAnotherProvider() {
		// No floor: retries may add 20 % to the first requests of the window, 5 calls
		// allow 1 retry.
		RetryBudgetSettings budget = new RetryBudgetSettings(true, 0.2, Duration.ofSeconds(10), 0);
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(60)), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, budget), provider("backup", 0, NO_BUDGET));
		fail(PRIMARY, serverError(), 10);
		StepVerifier
			.withVirtualTime(
					() -> Flux
						.concat(call(executor, policy), call(executor, policy), call(executor, policy),
								call(executor, policy), call(executor, policy))
						.collectList())
			.thenAwait(Duration.ofSeconds(10))
			.assertNext((served) -> assertThat(served).extracting(Served::provider).containsOnly("backup"))
			.verifyComplete();
		long primaryRequests = targets().stream().filter(PRIMARY::equals).count();
		// 5 first requests, 1 retry: the budget's 20 %. The first four calls' retries are
		// denied,
		// and so is the fifth call's second retry.
		assertThat(primaryRequests).isEqualTo(6);
		assertThat(count("llm.retries.denied", "policy", "summaries", "provider", "openai", "reason", "retry-budget"))
			.isEqualTo(5);
		assertThat(count("llm.retries", "reason", "server-error")).isEqualTo(1);
	}

	@Test
	void retriesTheServerAskedForWithAWaitAreNotCountedByTheBudget() {
		RetryBudgetSettings budget = new RetryBudgetSettings(true, 0, Duration.ofSeconds(10), 0);
		ResolvedPolicy policy = policy(retry(3, Duration.ofSeconds(60)), PRIMARY);
		LlmExecutor executor = executor(policy, provider("openai", 0, budget));
		fail(PRIMARY,
				LlmException.builder(FailureKind.RATE_LIMITED)
					.status(429)
					.requestSent(true)
					.retryAfter(Duration.ofSeconds(1)),
				2);
		StepVerifier.withVirtualTime(() -> call(executor, policy))
			.thenAwait(Duration.ofSeconds(3))
			.assertNext((served) -> assertThat(served.attempts()).isEqualTo(3))
			.verifyComplete();
		assertThat(count("llm.retries.denied", "reason", "retry-budget")).isZero();
	}

	@Test
	void aFallbackToAnotherModelOfTheSameProviderIsARetryForItsBudget() {
		RetryBudgetSettings budget = new RetryBudgetSettings(true, 0, Duration.ofSeconds(10), 0);
		ResolvedPolicy policy = policy(retry(1, Duration.ofSeconds(60)), PRIMARY, SAME_PROVIDER, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, budget), provider("backup", 0, NO_BUDGET));
		fail(PRIMARY, serverError(), 1);
		StepVerifier.withVirtualTime(() -> call(executor, policy))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(count("llm.retries.denied", "model", "gpt-4o-mini", "reason", "retry-budget")).isEqualTo(1);
	}

	@Test
	void aServerThatSaysNotToRetryIsCountedAsADeniedRetry() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(60)), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, provider("openai", 0, NO_BUDGET), provider("backup", 0, NO_BUDGET));
		fail(PRIMARY, serverError().serverRetryHint(false), 1);
		StepVerifier.withVirtualTime(() -> call(executor, policy))
			.assertNext((served) -> assertThat(served.provider()).isEqualTo("backup"))
			.verifyComplete();
		assertThat(count("llm.retries.denied", "reason", "server-said-no")).isEqualTo(1);
		assertThat(count("llm.retries")).isZero();
	}

	private record Attempt(Target target, Instant at) {

	}

}
