package io.github.llmresilience.sample.docs;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The examples of {@code docs/guides/extending.md} start and do what the page says.
 */
class ExtensionExamplesTests {

	@Test
	void theExamplesApplyToTheInstancesAndTheProviderTheyName() {
		try (FakeLlmServer server = FakeLlmServer.start()) {
			new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(WebClientAutoConfiguration.class, LlmResilienceAutoConfiguration.class))
				.withUserConfiguration(ExtensionExamples.class)
				.withPropertyValues("llm.providers.openai.base-url=" + server.baseUrl("openai"),
						"llm.policies.default.model=gpt-4o-mini", "llm.policies.summaries.model=gpt-4o")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					CircuitBreakerConfig circuitBreaker = context.getBean(CircuitBreakerRegistry.class)
						.circuitBreaker("openai:gpt-4o")
						.getCircuitBreakerConfig();
					assertThat(circuitBreaker.getSlidingWindowType()).isEqualTo(SlidingWindowType.TIME_BASED);
					assertThat(circuitBreaker.getWaitIntervalFunctionInOpenState().apply(2)).isEqualTo(60_000L);
					assertThat(context.getBean(RetryRegistry.class)
						.retry("summaries@openai:gpt-4o")
						.getRetryConfig()
						.isWritableStackTraceEnabled()).isFalse();
					StepVerifier.create(context.getBean(LlmClient.class).chat(ChatRequest.builder().user("hi").build()))
						.expectNextCount(1)
						.verifyComplete();
				});
			assertThat(server.requests().get(0).header("OpenAI-Organization")).isEqualTo("org-acme");
		}
	}

}
