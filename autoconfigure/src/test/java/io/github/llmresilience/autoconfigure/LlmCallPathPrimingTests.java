package io.github.llmresilience.autoconfigure;

import java.util.Map;
import java.util.TreeMap;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.testkit.FakeLlmServer;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Priming the call path at start-up ({@code llm.prime-at-startup}) sends nothing, logs
 * nothing and changes no meter or resilience state the application can see.
 */
@ExtendWith(OutputCaptureExtension.class)
class LlmCallPathPrimingTests {

	private final ApplicationContextRunner runner = llmResilience(ObservationAutoConfiguration.class,
			MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
			SimpleMetricsExportAutoConfiguration.class, LlmMetricsAutoConfiguration.class);

	@Test
	void primesEveryPolicyWithoutSendingLoggingOrChangingMetersAndResilienceState(CapturedOutput output) {
		try (FakeLlmServer server = FakeLlmServer.start()) {
			ApplicationContextRunner configured = this.runner.withPropertyValues(
					"llm.providers.openai.base-url=" + server.baseUrl(), "llm.policies.default.model=gpt-4o-mini",
					"llm.policies.default.fallbacks[0].model=gpt-4o", "llm.policies.vectors.type=embeddings",
					"llm.policies.vectors.provider=openai", "llm.policies.vectors.model=text-embedding-3-small");
			Map<String, String> unprimed = new TreeMap<>();
			configured.withPropertyValues("llm.prime-at-startup=false").run((context) -> {
				assertThat(context).doesNotHaveBean(LlmCallPathPriming.class);
				unprimed.putAll(meters(context));
			});
			configured.run((context) -> {
				assertThat(context).hasNotFailed();
				// A chat call and a streamed one for 'default', an embeddings call for
				// 'vectors', all answered in memory: once at start-up, once more here.
				assertThat(context.getBean(LlmCallPathPriming.class).prime()).isEqualTo(3);
				assertThat(server.requests()).isEmpty();
				assertThat(meters(context)).isEqualTo(unprimed);
				assertThat(meters(context).keySet()).noneMatch((id) -> id.startsWith("llm.calls"));
				context.getBean(CircuitBreakerRegistry.class)
					.getAllCircuitBreakers()
					.forEach((breaker) -> assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero());
				context.getBean(RetryRegistry.class)
					.getAllRetries()
					.forEach((retry) -> assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithoutRetryAttempt())
						.isZero());
				assertThat(output).doesNotContain("LLM call");
				// The application's own call is the first the server, the meters and the
				// call log see.
				assertThat(context.getBean(LlmClient.class).chat(ChatRequest.builder().user("hi").build()).block())
					.isNotNull();
				assertThat(server.requests()).hasSize(1);
				assertThat(meters(context).keySet()).anyMatch((id) -> id.startsWith("llm.calls["));
				assertThat(output).contains("LLM call policy=default outcome=success");
			});
		}
	}

	private static Map<String, String> meters(ApplicationContext context) {
		Map<String, String> meters = new TreeMap<>();
		for (Meter meter : context.getBean(MeterRegistry.class).getMeters()) {
			meters.put(meter.getId().getName() + meter.getId().getTags(), String.valueOf(meter.measure()));
		}
		return meters;
	}

}
