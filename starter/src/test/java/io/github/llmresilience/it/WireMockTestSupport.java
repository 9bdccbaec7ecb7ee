package io.github.llmresilience.it;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;

import static io.github.llmresilience.it.ItApplication.PRIMARY_MODEL;

/**
 * What every integration test class shares: one WireMock container per class (skipped without
 * Docker, which CI does not allow), reset before each test, and the question and meters the tests
 * read.
 */
@Testcontainers(disabledWithoutDocker = true)
abstract class WireMockTestSupport {

	@Container
	static final WireMockContainer wiremock = new WireMockContainer();

	@BeforeEach
	void resetWireMock() {
		wiremock.reset();
	}

	static ChatRequest question() {
		return ChatRequest.builder().user("What is the capital of France?").build();
	}

	/**
	 * Return {@code llm.retries} of the primary target under a policy, for one reason.
	 */
	static double retries(ConfigurableApplicationContext app, String policy, String reason) {
		return app.getBean(MeterRegistry.class)
			.get("llm.retries")
			.tags("policy", policy, "provider", "primary", "model", PRIMARY_MODEL, "reason", reason)
			.counter()
			.count();
	}

}
