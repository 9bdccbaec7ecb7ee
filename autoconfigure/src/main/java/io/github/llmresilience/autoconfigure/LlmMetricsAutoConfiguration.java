package io.github.llmresilience.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

import io.github.llmresilience.observation.LlmMeterObservationHandler;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.MicrometerLlmMetrics;

/**
 * Meters of llm-resilience on the application's {@link MeterRegistry}:
 * {@code llm.retries}, {@code llm.fallbacks}, {@code gen_ai.client.token.usage}, and
 * Resilience4j's own retry and circuit breaker meters (as {@code MeterBinder} beans that
 * Spring Boot binds) unless the application's Resilience4j starter binds them already.
 * {@code llm.calls} and {@code llm.attempts} are observations and reach the registry
 * through Spring Boot's observation support, recorded by
 * {@link LlmMeterObservationHandler} ahead of Boot's own meter handler.
 */
@AutoConfiguration(before = LlmResilienceAutoConfiguration.class, afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
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

	/**
	 * The meters of {@code llm.calls} and {@code llm.attempts}, as Boot's handler records
	 * them (its {@code management.metrics.observations.ignored-meters} included), looked
	 * up once per combination of tags. First in Boot's group of meter handlers, which
	 * hands every other observation on to Boot's own.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	@ConditionalOnMissingBean
	LlmMeterObservationHandler llmMeterObservationHandler(MeterRegistry registry, Environment environment) {
		IgnoredMeters[] ignored = Binder.get(environment)
			.bind("management.metrics.observations.ignored-meters", Bindable.setOf(IgnoredMeters.class))
			.map((meters) -> meters.toArray(IgnoredMeters[]::new))
			.orElse(new IgnoredMeters[0]);
		return new LlmMeterObservationHandler(registry, ignored);
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
