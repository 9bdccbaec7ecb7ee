package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;

/**
 * The Resilience4j instances of every policy and target, created once in the application's (or our)
 * registries: a {@code Retry} named {@code <policy>@<provider>:<model>} per policy and target, and a
 * {@code CircuitBreaker} named {@code <provider>:<model>} per target, shared by every policy.
 */
public final class TargetResilience {

	// Slow-call detection is off: a long answer is a long answer, not a failing provider.
	private static final Duration NEVER_SLOW = Duration.ofDays(365);

	private final Map<String, Retry> retries = new HashMap<>();

	private final Map<Target, CircuitBreaker> circuitBreakers = new HashMap<>();

	private final Map<Target, OpenUntil> openUntil = new HashMap<>();

	/**
	 * Create the instances of every policy and target.
	 * @param policies the policies
	 * @param retryRegistry the registry of the retries
	 * @param circuitBreakerRegistry the registry of the circuit breakers
	 * @param clock the clock the circuit breakers time their open state with
	 */
	public TargetResilience(LlmPolicies policies, RetryRegistry retryRegistry,
			CircuitBreakerRegistry circuitBreakerRegistry, Clock clock) {
		for (ResolvedPolicy policy : policies.all().values()) {
			RetryConfig config = retryConfig(policy.retry());
			for (Target target : policy.targets()) {
				String name = policy.retryName(target);
				this.retries.put(name, retryRegistry.retry(name, config));
			}
		}
		policies.circuitBreakers().forEach((target, settings) -> {
			if (settings.enabled()) {
				OpenUntil until = new OpenUntil(clock, settings.waitDurationInOpenState());
				CircuitBreaker circuitBreaker = circuitBreakerRegistry.circuitBreaker(target.name(),
						circuitBreakerConfig(settings, clock, until));
				circuitBreaker.getEventPublisher().onStateTransition(until::onTransition);
				this.circuitBreakers.put(target, circuitBreaker);
				this.openUntil.put(target, until);
			}
		});
	}

	static RetryConfig retryConfig(RetrySettings settings) {
		return RetryConfig.custom()
			.maxAttempts(settings.maxAttempts())
			.retryOnException(AttemptFailure::retryable)
			.intervalBiFunction(AttemptFailure::waitMillis)
			.failAfterMaxAttempts(false)
			.build();
	}

	static CircuitBreakerConfig circuitBreakerConfig(CircuitBreakerSettings settings, Clock clock,
			OpenUntil openUntil) {
		return CircuitBreakerConfig.custom()
			.slidingWindowType(SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(settings.slidingWindowSize())
			.minimumNumberOfCalls(settings.minimumNumberOfCalls())
			.failureRateThreshold(settings.failureRateThreshold())
			.waitDurationInOpenState(settings.waitDurationInOpenState())
			.permittedNumberOfCallsInHalfOpenState(settings.permittedCallsInHalfOpenState())
			.slowCallRateThreshold(100)
			.slowCallDurationThreshold(NEVER_SLOW)
			.recordException(FailureRules::recorded)
			.ignoreException(FailureRules::ignored)
			.transitionOnResult((result) -> openUntil
				.requested(FailureRules.transition(result, settings.waitDurationInOpenState())))
			.clock(clock)
			.build();
	}

	/**
	 * Return the retry of a policy's target.
	 * @param policy the policy
	 * @param target the target
	 * @return the retry
	 */
	public Retry retry(ResolvedPolicy policy, Target target) {
		Retry retry = this.retries.get(policy.retryName(target));
		if (retry == null) {
			throw new IllegalStateException("No retry for " + policy.retryName(target));
		}
		return retry;
	}

	/**
	 * Return the circuit breaker of a target.
	 * @param target the target
	 * @return the circuit breaker, or {@code null} if the target has none
	 */
	public @Nullable CircuitBreaker circuitBreaker(Target target) {
		return this.circuitBreakers.get(target);
	}

	/**
	 * Return until when a target's circuit stays open.
	 * @param target the target
	 * @return the instant the open state ends, or {@code null} if the circuit is not open
	 */
	public @Nullable Instant openUntil(Target target) {
		OpenUntil until = this.openUntil.get(target);
		return (until != null) ? until.get() : null;
	}

	/**
	 * Return every circuit breaker by target.
	 * @return the circuit breakers
	 */
	public Map<Target, CircuitBreaker> circuitBreakers() {
		return Map.copyOf(this.circuitBreakers);
	}

	/**
	 * Remembers until when a circuit is open, which Resilience4j keeps to itself: the instant a
	 * server named, or the breaker's own wait from the moment it opened.
	 */
	static final class OpenUntil {

		private final Clock clock;

		private final Duration waitDurationInOpenState;

		private final AtomicReference<@Nullable Instant> requested = new AtomicReference<>();

		private volatile @Nullable Instant until;

		OpenUntil(Clock clock, Duration waitDurationInOpenState) {
			this.clock = clock;
			this.waitDurationInOpenState = waitDurationInOpenState;
		}

		TransitionCheckResult requested(TransitionCheckResult result) {
			if (result.isTransitionToOpen()) {
				this.requested.set((result.getWaitUntil() != null) ? result.getWaitUntil()
						: this.clock.instant().plus(result.getWaitDuration()));
			}
			return result;
		}

		void onTransition(CircuitBreakerOnStateTransitionEvent event) {
			State to = event.getStateTransition().getToState();
			Instant requested = this.requested.getAndSet(null);
			if (to == State.OPEN) {
				this.until = (requested != null) ? requested : this.clock.instant().plus(this.waitDurationInOpenState);
			}
			else {
				this.until = null;
			}
		}

		@Nullable Instant get() {
			return this.until;
		}

	}

}
