package io.github.llmresilience.sample.docs;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.retry.configuration.RetryConfigCustomizer;
import io.github.resilience4j.core.IntervalFunction;

import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;

import io.github.llmresilience.LlmProviderCustomizer;

/**
 * The examples of {@code docs/guides/extending.md}, compiled and run by
 * {@link ExtensionExamplesTests} so that they cannot drift. Not a {@code @Configuration}:
 * the sample app's own tests must not pick them up.
 */
class ExtensionExamples {

	@Bean
	LlmProviderCustomizer openAiOrganization() {
		return (provider, builder) -> {
			if (provider.equals("openai")) {
				builder.defaultHeader("OpenAI-Organization", "org-acme")
					.filter(ExchangeFilterFunction.ofRequestProcessor((request) -> {
						// your own logging, signing, tenant headers...
						return reactor.core.publisher.Mono.just(request);
					}));
			}
		};
	}

	@Bean
	CircuitBreakerConfigCustomizer openAiCircuitBreaker() {
		return CircuitBreakerConfigCustomizer
			.of("openai:gpt-4o", (builder) -> builder.slidingWindowType(SlidingWindowType.TIME_BASED)
				.waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(30), 2.0)));
	}

	@Bean
	RetryConfigCustomizer summariesRetry() {
		return RetryConfigCustomizer.of("summaries@openai:gpt-4o",
				(builder) -> builder.writableStackTraceEnabled(false));
	}

}
