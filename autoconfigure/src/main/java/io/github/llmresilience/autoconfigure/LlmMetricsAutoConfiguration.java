package io.github.llmresilience.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.MicrometerLlmMetrics;

/**
 * Meters of llm-resilience on the application's {@link MeterRegistry}: {@code llm.retries},
 * {@code llm.fallbacks}, {@code gen_ai.client.token.usage}, and Resilience4j's own retry and
 * circuit breaker meters (as {@code MeterBinder} beans that Spring Boot binds) unless the
 * application's Resilience4j starter binds them already.
 * {@code llm.calls} and {@code llm.attempts} are observations and reach the registry through
 * Spring Boot's observation support.
 */
@AutoConfiguration(before = LlmResilienceAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
				"io.github.resilience4j.springboot.retry.autoconfigure.RetryMetricsAutoConfiguration",
				"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerMetricsAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "llm.enabled", matchIfMissing = true)
public final class LlmMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LlmMetrics llmMetrics(MeterRegistry registry) {
		return new MicrometerLlmMetrics(registry);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(TaggedRetryMetrics.class)
	static class ResilienceMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean(type = { "io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics",
				"io.github.resilience4j.micrometer.tagged.TaggedRetryMetricsPublisher" })
		TaggedRetryMetrics llmTaggedRetryMetrics(RetryRegistry retryRegistry) {
			return TaggedRetryMetrics.ofRetryRegistry(retryRegistry);
		}

		@Bean
		@ConditionalOnMissingBean(type = { "io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics",
				"io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher" })
		TaggedCircuitBreakerMetrics llmTaggedCircuitBreakerMetrics(CircuitBreakerRegistry circuitBreakerRegistry) {
			return TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(circuitBreakerRegistry);
		}

	}

}
