package io.github.llmresilience.policy;

import java.time.Duration;

/**
 * A target's resolved circuit breaker settings, {@code llm.defaults.circuit-breaker}
 * merged with its provider's.
 *
 * @param enabled whether the target has a circuit breaker
 * @param failureRateThreshold failure rate in percent at or above which the circuit opens
 * @param slidingWindowSize target tries the failure rate is computed over
 * @param minimumNumberOfCalls tries needed before the rate is computed
 * @param waitDurationInOpenState how long the circuit stays open
 * @param permittedCallsInHalfOpenState probe calls let through while half-open
 */
public record CircuitBreakerSettings(boolean enabled, float failureRateThreshold, int slidingWindowSize,
		int minimumNumberOfCalls, Duration waitDurationInOpenState, int permittedCallsInHalfOpenState) {

}
