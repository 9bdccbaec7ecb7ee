package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
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
				this.circuitBreakers.put(target,
						circuitBreakerRegistry.circuitBreaker(target.name(), circuitBreakerConfig(settings, clock)));
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

	static CircuitBreakerConfig circuitBreakerConfig(CircuitBreakerSettings settings, Clock clock) {
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
			.transitionOnResult((result) -> FailureRules.transition(result, settings.waitDurationInOpenState()))
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
	 * Return every circuit breaker by target.
	 * @return the circuit breakers
	 */
	public Map<Target, CircuitBreaker> circuitBreakers() {
		return Map.copyOf(this.circuitBreakers);
	}

}
