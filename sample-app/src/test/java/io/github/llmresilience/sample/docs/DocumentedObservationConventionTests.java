package io.github.llmresilience.sample.docs;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.observation.DefaultLlmCallObservationConvention;
import io.github.llmresilience.observation.LlmCallContext;
import io.github.llmresilience.observation.LlmCallObservationConvention;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example of {@code docs/reference/metrics.md}, "Replacing the conventions": a user's
 * convention bean adds a tag to {@code llm.calls} and keeps the others.
 */
@SpringBootTest(properties = "llm.defaults.retry.jitter=0")
@ActiveProfiles("test") // any profile turns the sample app's demo mode off
class DocumentedObservationConventionTests {

	static final FakeLlmServer server = FakeLlmServer.start();

	@DynamicPropertySource
	static void pointTheProvidersAtTheFakeServer(DynamicPropertyRegistry registry) {
		registry.add("llm.providers.openai.base-url", () -> server.baseUrl("openai"));
		registry.add("llm.providers.backup.base-url", () -> server.baseUrl("backup"));
	}

	@AfterAll
	static void stopTheServer() {
		server.close();
	}

	@Autowired
	private LlmClient llm;

	@Autowired
	private MeterRegistry meters;

	@Test
	void theTeamTagIsAddedToEveryCall() {
		server.model("gpt-4o-mini").thenAlways(FakeResponse.ok("Hello."));

		StepVerifier.create(this.llm.chat(ChatRequest.builder().user("Hi").build()))
			.expectNextCount(1)
			.verifyComplete();

		assertThat(this.meters.get("llm.calls").tag("team", "search").timer().getId().getTags()).extracting("key")
			.contains("team", "policy", "outcome", "provider", "model", "fallback", "error");
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class TeamTaggedCallsConfiguration {

		@Bean
		LlmCallObservationConvention teamTaggedCalls() {
			return new DefaultLlmCallObservationConvention() {
				@Override
				public KeyValues getLowCardinalityKeyValues(LlmCallContext context) {
					return super.getLowCardinalityKeyValues(context).and("team", "search");
				}
			};
		}

	}

}
