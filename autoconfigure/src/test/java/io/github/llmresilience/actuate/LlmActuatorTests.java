package io.github.llmresilience.actuate;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * The {@code llm} endpoint and health contributor through a running application.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,llm",
				"management.endpoint.health.show-details=always" })
@AutoConfigureWebTestClient
class LlmActuatorTests {

	static final FakeLlmServer server = FakeLlmServer.start();

	@Autowired
	WebTestClient client;

	@Autowired
	CircuitBreakerRegistry circuitBreakers;

	@Autowired
	LlmClient llm;

	@DynamicPropertySource
	static void llm(DynamicPropertyRegistry registry) {
		registry.add("llm.providers.openai.base-url", server::baseUrl);
		registry.add("llm.providers.openai.api-key", () -> "sk-actuator-SECRET");
		registry.add("llm.providers.backup.base-url", () -> server.baseUrl("backup"));
		registry.add("llm.policies.summaries.provider", () -> "openai");
		registry.add("llm.policies.summaries.model", () -> "gpt-4o");
		registry.add("llm.policies.summaries.retry.max-attempts", () -> "3");
		registry.add("llm.policies.summaries.fallbacks[0].provider", () -> "backup");
		registry.add("llm.policies.summaries.fallbacks[0].model", () -> "claude");
		registry.add("llm.policies.summaries.deadline", () -> "90s");
		registry.add("llm.policies.summaries.hedge.enabled", () -> "true");
		registry.add("llm.policies.summaries.hedge.delay", () -> "1500ms");
		registry.add("llm.policies.pooled.pool.strategy", () -> "round-robin");
		registry.add("llm.policies.pooled.pool.members[0].provider", () -> "openai");
		registry.add("llm.policies.pooled.pool.members[0].model", () -> "gpt-4o-east");
		registry.add("llm.policies.pooled.pool.members[0].model-family", () -> "gpt-4o");
		registry.add("llm.policies.pooled.pool.members[0].weight", () -> "2");
		registry.add("llm.policies.pooled.pool.members[1].provider", () -> "backup");
		registry.add("llm.policies.pooled.pool.members[1].model", () -> "gpt-4o-west");
		registry.add("llm.policies.pooled.pool.members[1].model-family", () -> "gpt-4o");
		registry.add("llm.policies.pooled.pool.members[1].tier", () -> "1");
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	/**
	 * Read the {@code llm} endpoint, asserting that it answers 200.
	 */
	private WebTestClient.BodyContentSpec llmEndpoint() {
		return this.client.get().uri("/actuator/llm").exchange().expectStatus().isOk().expectBody();
	}

	@Test
	void llmEndpointDescribesPoliciesTargetsCircuitsAndSettingsWithoutTheKey() {
		llmEndpoint().jsonPath("$.providers.openai.apiKeySet")
			.isEqualTo(true)
			.jsonPath("$.providers.backup.apiKeySet")
			.isEqualTo(false)
			.jsonPath("$.providers.openai.readTimeout")
			.isEqualTo("60s")
			.jsonPath("$.policies.summaries.targets[0].provider")
			.isEqualTo("openai")
			.jsonPath("$.policies.summaries.targets[0].model")
			.isEqualTo("gpt-4o")
			.jsonPath("$.policies.summaries.targets[0].retry")
			.isEqualTo("summaries@openai:gpt-4o")
			.jsonPath("$.policies.summaries.targets[0].circuitBreaker.name")
			.isEqualTo("openai:gpt-4o")
			.jsonPath("$.policies.summaries.targets[0].circuitBreaker.state")
			.isEqualTo("CLOSED")
			.jsonPath("$.policies.summaries.targets[1].provider")
			.isEqualTo("backup")
			.jsonPath("$.policies.summaries.retry.maxAttempts")
			.isEqualTo(3)
			.jsonPath("$.policies.summaries.retry.initialBackoff")
			.isEqualTo("2s")
			.jsonPath("$.policies.summaries.deadline")
			.isEqualTo("90s")
			.jsonPath("$.policies.summaries.hedge.enabled")
			.isEqualTo(true)
			.jsonPath("$.policies.summaries.hedge.delay")
			.isEqualTo("1500ms")
			.jsonPath("$.policies.summaries.hedge.target")
			.isEqualTo("next")
			.jsonPath("$.policies.summaries.fallbackOn")
			.value((kinds) -> org.assertj.core.api.Assertions.assertThat(kinds.toString())
				.contains("rate-limited")
				.doesNotContain("bad-request"))
			.consumeWith(
					(response) -> org.assertj.core.api.Assertions.assertThat(new String(response.getResponseBody()))
						.doesNotContain("SECRET"));
	}

	@Test
	void llmEndpointListsEachPoolWithItsMembersState() {
		ChatRequest request = ChatRequest.builder().user("Hello").build();
		this.llm.chat("pooled", request).block();
		this.llm.chat("pooled", request).block();
		llmEndpoint().jsonPath("$.policies.pooled.pools.primary.retry")
			.isEqualTo("pooled@primary")
			.jsonPath("$.policies.pooled.pools.primary.strategy")
			.isEqualTo("round-robin")
			.jsonPath("$.policies.pooled.pools.primary.sticky")
			.isEqualTo(false)
			.jsonPath("$.policies.pooled.pools.primary.members[0].provider")
			.isEqualTo("openai")
			.jsonPath("$.policies.pooled.pools.primary.members[0].model")
			.isEqualTo("gpt-4o-east")
			.jsonPath("$.policies.pooled.pools.primary.members[0].weight")
			.isEqualTo(2)
			.jsonPath("$.policies.pooled.pools.primary.members[0].status")
			.isEqualTo("available")
			.jsonPath("$.policies.pooled.pools.primary.members[0].circuitBreaker")
			.isEqualTo("CLOSED")
			// Tier 1 is not used while the tier-0 member can be sent to.
			.jsonPath("$.policies.pooled.pools.primary.members[0].sent")
			.isEqualTo(2)
			.jsonPath("$.policies.pooled.pools.primary.members[1].tier")
			.isEqualTo(1)
			.jsonPath("$.policies.pooled.pools.primary.members[1].sent")
			.isEqualTo(0)
			.jsonPath("$.policies.pooled.pools.primary.members[1].inFlight")
			.isEqualTo(0)
			.jsonPath("$.policies.pooled.targets[1].retry")
			.isEqualTo("pooled@primary")
			.jsonPath("$.policies.summaries.pools")
			.isEmpty();
	}

	@Test
	void healthStaysUpWithPerTargetDetailsWhileAFallbackIsAvailable() {
		this.circuitBreakers.circuitBreaker("openai:gpt-4o").transitionToOpenState();
		try {
			this.client.get()
				.uri("/actuator/health")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.components.llm.status")
				.isEqualTo("UP")
				.jsonPath("$.components.llm.details.targets['openai:gpt-4o'].state")
				.isEqualTo("OPEN")
				.jsonPath("$.components.llm.details.targets['openai:gpt-4o'].openUntil")
				.isNotEmpty()
				.jsonPath("$.components.llm.details.targets['backup:claude'].state")
				.isEqualTo("CLOSED");
		}
		finally {
			this.circuitBreakers.circuitBreaker("openai:gpt-4o").transitionToClosedState();
		}
	}

	@SpringBootApplication
	static class Application {

	}

}
