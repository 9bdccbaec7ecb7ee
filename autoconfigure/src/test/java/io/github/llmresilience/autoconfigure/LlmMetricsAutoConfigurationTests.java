package io.github.llmresilience.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.MicrometerLlmMetrics;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

class LlmMetricsAutoConfigurationTests {

	private final ApplicationContextRunner runner = llmResilience(MetricsAutoConfiguration.class,
			CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
			LlmMetricsAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1", "llm.policies.default.model=gpt-4o");

	@Test
	void bindsLlmAndResilience4jMetersToTheRegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(MicrometerLlmMetrics.class)
				.hasSingleBean(TaggedRetryMetrics.class)
				.hasSingleBean(TaggedCircuitBreakerMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("resilience4j.retry.calls").tag("name", "default@openai:gpt-4o").meters())
				.isNotEmpty();
			assertThat(registry.find("resilience4j.circuitbreaker.state").tag("name", "openai:gpt-4o").meters())
				.isNotEmpty();
		});
	}

	@Test
	void backsOffWithoutAMeterRegistry() {
		llmResilience(LlmMetricsAutoConfiguration.class).run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(LlmMetrics.class)
			.doesNotHaveBean(TaggedRetryMetrics.class));
	}

	@Test
	void backsOffWithoutMicrometer() {
		llmResilience(LlmMetricsAutoConfiguration.class).withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LlmMetrics.class));
	}

	@Test
	void isOffWhenDisabled() {
		this.runner.withPropertyValues("llm.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmMetrics.class));
	}

	@Test
	void reusesTheResilience4jStartersRegistriesAndDoesNotBindItsMetersTwice() {
		this.runner.withConfiguration(AutoConfigurations.of(
				io.github.resilience4j.springboot.retry.autoconfigure.RetryAutoConfiguration.class,
				io.github.resilience4j.springboot.retry.autoconfigure.RetryMetricsAutoConfiguration.class,
				io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration.class,
				io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(RetryRegistry.class)
					.hasSingleBean(CircuitBreakerRegistry.class)
					.doesNotHaveBean(TaggedRetryMetrics.class)
					.doesNotHaveBean(TaggedCircuitBreakerMetrics.class);
				assertThat(context.getBeanNamesForType(RetryRegistry.class)).doesNotContain("llmRetryRegistry");
				RetryRegistry retries = context.getBean(RetryRegistry.class);
				assertThat(retries.find("default@openai:gpt-4o")).isPresent();
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find("resilience4j.retry.calls").tag("name", "default@openai:gpt-4o").meters())
					.isNotEmpty();
			});
	}

}
