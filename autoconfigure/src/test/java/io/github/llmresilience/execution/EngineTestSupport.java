package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.MicrometerLlmMetrics;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.PacingFixture;
import io.github.llmresilience.pacing.RetryBudgetSettings;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.support.EngineTime;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the engine's tests share: a clock that reads Reactor's (virtual) time, policies
 * and the engine built from a few settings, a stubbed transport whose answers each test
 * scripts per target, the attempts it saw and the ones cancelled, the meters, and a way
 * to let virtual time run on.
 *
 * <p>
 * The engine's clock reads the virtual time only inside
 * {@code StepVerifier.withVirtualTime(...)}: build what reads the time (a declared limit,
 * a used-up target) in its supplier.
 */
abstract class EngineTestSupport {

	static final Target PRIMARY = new Target("openai", "gpt-4o");

	static final Target SAME_PROVIDER = new Target("openai", "gpt-4o-mini");

	static final Target BACKUP = new Target("backup", "claude");

	static final Target THIRD = new Target("third", "llama");

	static final Target FOURTH = new Target("fourth", "mistral");

	static final Set<FailureKind> FALLBACK_ON = EnumSet.of(FailureKind.RATE_LIMITED, FailureKind.QUOTA_EXHAUSTED,
			FailureKind.SERVER_ERROR, FailureKind.TIMEOUT, FailureKind.CONNECTION, FailureKind.CONFLICT,
			FailureKind.CIRCUIT_OPEN, FailureKind.AUTH, FailureKind.NOT_FOUND, FailureKind.MALFORMED_RESPONSE);

	static final RetryBudgetSettings NO_BUDGET = new RetryBudgetSettings(false, 0.2, Duration.ofSeconds(10), 1.0);

	final Clock clock = new VirtualClock();

	final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	final MicrometerLlmMetrics metrics = new MicrometerLlmMetrics(this.meters);

	final List<Attempt> attempts = new CopyOnWriteArrayList<>();

	final List<Target> cancelled = new CopyOnWriteArrayList<>();

	private final Map<Target, Deque<Function<AttemptScope, Publisher<String>>>> scripts = new LinkedHashMap<>();

	TargetResilience resilience;

	/**
	 * The engine's random source: draws nothing but zeros unless a test seeds one.
	 */
	RandomGenerator random = () -> 0L;

	Pacing pacing;

	/**
	 * Assert that an observation of the starter was stopped with a low-cardinality key
	 * value.
	 */
	static void assertStopped(TestObservationRegistry registry, String name, String key, String value) {
		TestObservationRegistryAssert.assertThat(registry)
			.hasObservationWithNameEqualTo(name)
			.that()
			.hasLowCardinalityKeyValue(key, value)
			.hasBeenStopped();
	}

	/**
	 * Return retry settings: the defaults of {@code llm.defaults.retry} without jitter.
	 */
	static RetrySettings retry(int maxAttempts, Duration initialBackoff) {
		return retry(maxAttempts, initialBackoff, Duration.ofSeconds(120), Duration.ofSeconds(60));
	}

	static RetrySettings retry(int maxAttempts, Duration initialBackoff, Duration maxElapsed, Duration maxRetryAfter) {
		return new RetrySettings(maxAttempts, maxElapsed, initialBackoff, 2.0, Duration.ofSeconds(30), 0,
				Set.of(408, 409, 429, 500, 502, 503, 504), true, true, true, maxRetryAfter, List.of());
	}

	static ResolvedPolicy policy(RetrySettings retry, @Nullable Duration deadline, Target... targets) {
		return new ResolvedPolicy("summaries", List.of(targets), retry, FALLBACK_ON, deadline);
	}

	static CircuitBreakerSettings circuitBreaker() {
		return new CircuitBreakerSettings(true, 50, 20, 10, Duration.ofSeconds(30), 2);
	}

	/**
	 * Return the pacing settings of a provider that reads rate-limit headers.
	 */
	static ProviderPacing provider(String name, int requestsPerMinute, RetryBudgetSettings budget) {
		return new ProviderPacing(name, true, requestsPerMinute, budget);
	}

	/**
	 * Return a retry budget without a floor: retries may add {@code ratio} to the first
	 * requests of a 10 s window.
	 */
	static RetryBudgetSettings budget(double ratio) {
		return new RetryBudgetSettings(true, ratio, Duration.ofSeconds(10), 0);
	}

	/**
	 * Create the pacing of the given providers, read by {@link #executor}.
	 */
	Pacing pacing(ProviderPacing... providers) {
		this.pacing = PacingFixture.pacing(this.clock, this.metrics, providers);
		return this.pacing;
	}

	LlmExecutor executor(ResolvedPolicy policy, ProviderPacing... providers) {
		return executor(policy, circuitBreaker(), providers);
	}

	LlmExecutor executor(ResolvedPolicy policy, CircuitBreakerSettings circuitBreaker, ProviderPacing... providers) {
		Map<Target, CircuitBreakerSettings> circuitBreakers = new LinkedHashMap<>();
		policy.targets().forEach((target) -> circuitBreakers.put(target, circuitBreaker));
		this.resilience = new TargetResilience(new LlmPolicies(Map.of(policy.name(), policy), circuitBreakers),
				RetryRegistry.ofDefaults(), CircuitBreakerRegistry.ofDefaults(), this.clock,
				ResilienceCustomizers.NONE);
		return new LlmExecutor(this.resilience, pacing(providers), CooldownListener.NONE,
				new LlmObservability(ObservationRegistry.NOOP, null, null, this.metrics),
				new EngineTime(this.clock, this.random));
	}

	/**
	 * Return what an attempt to a target gets when its script is used up.
	 */
	Publisher<String> unscripted(Target target) {
		return Mono.just("default from " + target);
	}

	void script(Target target, Function<AttemptScope, Publisher<String>> response) {
		this.scripts.computeIfAbsent(target, (key) -> new ArrayDeque<>()).add(response);
	}

	/**
	 * Script failures, at once.
	 */
	void fail(Target target, LlmException.Builder failure, int times) {
		for (int i = 0; i < times; i++) {
			script(target, (scope) -> Mono.error(failure.target(target.provider(), target.model()).build()));
		}
	}

	/**
	 * Script a failure after a delay.
	 */
	void fail(Target target, Duration after, LlmException.Builder failure) {
		script(target, (scope) -> Mono.delay(after)
			.then(Mono.error(failure.target(target.provider(), target.model()).build())));
	}

	/**
	 * Script an answer after a delay.
	 */
	void answer(Target target, Duration after, String text) {
		script(target, (scope) -> Mono.delay(after).map((tick) -> text));
	}

	/**
	 * The stubbed transport: one request per attempt, answered by the target's script.
	 */
	Publisher<String> attempt(AttemptScope scope) {
		scope.call().attemptSent();
		this.attempts.add(new Attempt(scope.target(), this.clock.instant(), scope.hedge()));
		Deque<Function<AttemptScope, Publisher<String>>> script = this.scripts.get(scope.target());
		Publisher<String> answer = (script == null || script.isEmpty()) ? unscripted(scope.target())
				: script.poll().apply(scope);
		return Flux.from(answer).doOnCancel(() -> this.cancelled.add(scope.target()));
	}

	/**
	 * Return a call that answers with who served it.
	 */
	Mono<Served> servedCall(LlmExecutor executor, ResolvedPolicy policy) {
		return executor.mono(policy, ExecutionOptions.idempotentCall(),
				(scope) -> Flux.from(attempt(scope)).map((text) -> scope.served()));
	}

	/**
	 * Assert who serves a call once the given virtual time has passed.
	 */
	void assertServed(LlmExecutor executor, ResolvedPolicy policy, Duration after, Served expected) {
		assertServed(executor, policy, after, expected, Duration.ZERO);
	}

	/**
	 * Assert who serves a call once the given virtual time has passed, then let virtual
	 * time run on for {@code idle}.
	 */
	void assertServed(LlmExecutor executor, ResolvedPolicy policy, Duration after, Served expected, Duration idle) {
		StepVerifier.withVirtualTime(() -> idleAfter(servedCall(executor, policy), idle))
			.thenAwait(after)
			.assertNext((served) -> assertThat(served).isEqualTo(expected))
			.thenAwait(idle)
			.verifyComplete();
	}

	/**
	 * Assert who serves a call, and that the answer comes at the given virtual time, not
	 * a millisecond earlier.
	 */
	void assertServedAt(LlmExecutor executor, ResolvedPolicy policy, Duration at, Served expected) {
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(at.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((served) -> assertThat(served).isEqualTo(expected))
			.verifyComplete();
	}

	/**
	 * Assert how a call fails, and that it fails at the given virtual time, not a
	 * millisecond earlier.
	 */
	void assertFailsAt(LlmExecutor executor, ResolvedPolicy policy, Duration at, Consumer<Throwable> failure) {
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(at.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies(failure)
			.verify();
	}

	Flux<String> stream(LlmExecutor executor, ResolvedPolicy policy) {
		return executor.execute(policy, ExecutionOptions.<String>idempotentCall().withText((text) -> text),
				this::attempt);
	}

	List<Target> targets() {
		return this.attempts.stream().map(Attempt::target).toList();
	}

	/**
	 * Return when each attempt was sent, after the first.
	 */
	List<Duration> offsets() {
		Instant first = this.attempts.get(0).at();
		return this.attempts.stream().map((attempt) -> Duration.between(first, attempt.at())).toList();
	}

	List<Boolean> hedges() {
		return this.attempts.stream().map(Attempt::hedge).toList();
	}

	/**
	 * Return the sum of the counters of a name with the given tags.
	 */
	double count(String name, String... tags) {
		return this.meters.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
	}

	static LlmException.Builder status(FailureKind kind, int status) {
		return LlmException.builder(kind).status(status).requestSent(true);
	}

	/**
	 * Return a publisher whose end (completion or failure) comes an idle stretch of
	 * virtual time later, so that whatever a call left scheduled (a hedge's timer, a
	 * retry's wait) happens, or is seen not to, before its scenario ends: a scenario's
	 * pending timers are discarded when it ends.
	 */
	static <T> Flux<T> idleAfter(Publisher<T> publisher, Duration idle) {
		return Flux.from(publisher)
			.concatWith(Mono.delay(idle).then(Mono.empty()))
			.onErrorResume((error) -> Mono.delay(idle).then(Mono.error(error)));
	}

	record Attempt(Target target, Instant at, boolean hedge) {

	}

}
