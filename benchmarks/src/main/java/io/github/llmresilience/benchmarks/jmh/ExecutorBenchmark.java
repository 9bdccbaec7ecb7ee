package io.github.llmresilience.benchmarks.jmh;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.Usage;
import io.github.llmresilience.execution.AttemptScope;
import io.github.llmresilience.execution.ExecutionOptions;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.execution.ResilienceCustomizers;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.LlmMeterObservationHandler;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.MicrometerLlmMetrics;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.support.EngineTime;

/**
 * The engine's own cost per logical call, the transport stubbed by a function that
 * answers at once: policy lookup, {@link LlmExecutor} (fallback chain, call state),
 * Resilience4j retry and circuit breaker, and the {@code llm.calls} observation on a
 * {@link SimpleMeterRegistry}, against the bare {@link Mono} that the stub returns. Run
 * with {@code -prof gc} for bytes per call.
 */
@State(Scope.Benchmark)
public class ExecutorBenchmark extends JmhSettings {

	private static final Target TARGET = new Target("openai", "gpt-4o-mini");

	private static final Target DOWN = new Target("openai", "gpt-4o");

	private static final Target BACKUP = new Target("backup", "claude-3-5-haiku");

	private static final ExecutionOptions<ChatResponse> OPTIONS = ExecutionOptions.idempotentCall();

	private final ChatResponse response = new ChatResponse("Hello", "stop", List.of(), new Usage(9, 3, 12),
			"gpt-4o-mini-2024-07-18", "{}", new Served(TARGET.provider(), TARGET.model(), 1, false));

	private final Function<AttemptScope, Publisher<ChatResponse>> answer = (scope) -> Mono.just(this.response);

	// Fails the first attempt of each call with a retryable 429 (no Retry-After, zero
	// backoff).
	private final Function<AttemptScope, Publisher<ChatResponse>> failOnce = (scope) -> (scope.attempt() == 1)
			? Mono.error(rateLimited()) : Mono.just(this.response);

	private LlmPolicies policies;

	private LlmExecutor unobserved;

	private LlmExecutor observed;

	@Setup
	public void setUp() {
		// No Spring Boot here to configure logging: Logback's default would print the
		// executor's
		// per-call lines (and DEBUG lines) to the console.
		Loggers.warn();
		// The defaults of llm.defaults, but a zero backoff so that a retry costs no
		// waiting.
		RetrySettings retry = new RetrySettings(4, Duration.ofSeconds(120), Duration.ZERO, 2.0, Duration.ofSeconds(30),
				0.5, Set.of(408, 409, 429, 500, 502, 503, 504), true, true, true, Duration.ofSeconds(60), List.of());
		Set<FailureKind> fallbackOn = EnumSet
			.complementOf(EnumSet.of(FailureKind.BAD_REQUEST, FailureKind.CONTEXT_LENGTH, FailureKind.CONTENT_FILTER));
		ResolvedPolicy policy = new ResolvedPolicy("default", List.of(TARGET), retry, fallbackOn, null);
		ResolvedPolicy outage = new ResolvedPolicy("outage", List.of(DOWN, BACKUP), retry, fallbackOn, null);
		CircuitBreakerSettings circuitBreaker = new CircuitBreakerSettings(true, 50, 20, 10, Duration.ofSeconds(30), 2);
		this.policies = new LlmPolicies(Map.of("default", policy, "outage", outage),
				Map.of(TARGET, circuitBreaker, DOWN, circuitBreaker, BACKUP, circuitBreaker));
		EngineTime time = EngineTime.system();
		Clock clock = time.clock();
		this.unobserved = new LlmExecutor(resilience(clock, null), Pacing.NONE, CooldownListener.NONE,
				LlmObservability.NONE, time);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		ObservationRegistry observations = ObservationRegistry.create();
		// As Spring Boot registers meter handlers: the starter's first, Micrometer's for
		// the rest.
		observations.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new LlmMeterObservationHandler(meters), new DefaultMeterObservationHandler(meters)));
		TargetResilience observedResilience = resilience(clock, meters);
		// The primary of "outage" is down for good: every call skips it and falls back.
		Objects.requireNonNull(observedResilience.circuitBreakers().get(DOWN), "the breaker of " + DOWN)
			.transitionToForcedOpenState();
		this.observed = new LlmExecutor(observedResilience, Pacing.NONE, CooldownListener.NONE,
				new LlmObservability(observations, null, null, new MicrometerLlmMetrics(meters)), time);
	}

	private TargetResilience resilience(Clock clock, @Nullable SimpleMeterRegistry meters) {
		RetryRegistry retries = RetryRegistry.ofDefaults();
		CircuitBreakerRegistry circuitBreakers = CircuitBreakerRegistry.ofDefaults();
		if (meters != null) {
			TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(meters);
			TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(circuitBreakers).bindTo(meters);
		}
		return new TargetResilience(this.policies, retries, circuitBreakers, clock, ResilienceCustomizers.NONE);
	}

	private static LlmException rateLimited() {
		return LlmException.builder(FailureKind.RATE_LIMITED)
			.status(429)
			.target(TARGET.provider(), TARGET.model())
			.providerMessage("Rate limit reached")
			.requestSent(true)
			.build();
	}

	/**
	 * The baseline: the stubbed transport's {@code Mono}, deferred as a client's call
	 * would be.
	 */
	@Benchmark
	public @Nullable ChatResponse bareMono() {
		return Mono.defer(() -> Mono.from(this.answer.apply(null))).block();
	}

	/**
	 * The engine without observations or meters ({@code LlmObservability.NONE}).
	 */
	@Benchmark
	public @Nullable ChatResponse executorUnobserved() {
		return this.unobserved.mono(this.policies.get(null), OPTIONS, this.answer).block();
	}

	/**
	 * The engine as the starter runs it with a meter registry: the {@code llm.calls}
	 * observation, Resilience4j's tagged meters bound.
	 */
	@Benchmark
	public @Nullable ChatResponse executorObserved() {
		return this.observed.mono(this.policies.get(null), OPTIONS, this.answer).block();
	}

	/**
	 * The engine, observed, when the primary's circuit is open: the primary is skipped
	 * (Resilience4j's {@code CallNotPermittedException}, a {@code circuit-open}
	 * {@code LlmException}, an {@code llm.fallbacks} increment) and the fallback answers.
	 */
	@Benchmark
	public @Nullable ChatResponse executorObservedCircuitOpenFallback() {
		return this.observed.mono(this.policies.get("outage"), OPTIONS, this.answer).block();
	}

	/**
	 * A bare Reactor retry that fails once and re-subscribes after a zero delay on the
	 * parallel scheduler, as Resilience4j's {@code RetryOperator} does.
	 */
	@Benchmark
	public @Nullable ChatResponse bareRetryOnce() {
		AtomicInteger attempts = new AtomicInteger();
		return Mono
			.defer(() -> (attempts.incrementAndGet() == 1) ? Mono.<ChatResponse>error(rateLimited())
					: Mono.just(this.response))
			.retryWhen(Retry.from((signals) -> signals.concatMap((signal) -> (signal.totalRetries() < 1)
					? Mono.delay(Duration.ZERO) : Mono.error(signal.failure()))))
			.block();
	}

	/**
	 * The engine, observed, when the first attempt fails with a 429 and the retry (zero
	 * backoff) succeeds: two attempts, one {@code llm.retries} increment.
	 */
	@Benchmark
	public @Nullable ChatResponse executorObservedRetryOnce() {
		return this.observed.mono(this.policies.get(null), OPTIONS, this.failOnce).block();
	}

}
