package io.github.llmresilience.execution;

import java.util.function.BiConsumer;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.RetryConfig;

/**
 * Changes the application makes to the configuration of llm-resilience's Resilience4j
 * instances, by instance name: Resilience4j's {@code RetryConfigCustomizer} and
 * {@code CircuitBreakerConfigCustomizer} beans, adapted by the auto-configuration. What
 * the engine relies on is set again after them (see {@link TargetResilience}).
 *
 * @param retry customizes the configuration of the retry with the given name
 * @param circuitBreaker customizes the configuration of the circuit breaker with the
 * given name
 */
public record ResilienceCustomizers(BiConsumer<String, RetryConfig.Builder<?>> retry,
		BiConsumer<String, CircuitBreakerConfig.Builder> circuitBreaker) {

	/**
	 * No customization.
	 */
	public static final ResilienceCustomizers NONE = new ResilienceCustomizers((name, builder) -> {
	}, (name, builder) -> {
	});

}
