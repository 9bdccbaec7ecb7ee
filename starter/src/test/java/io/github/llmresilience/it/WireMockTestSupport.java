package io.github.llmresilience.it;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;

import static io.github.llmresilience.it.ItApplication.PRIMARY_MODEL;

/**
 * What every integration test class shares: one WireMock container per class (skipped
 * without Docker, which CI does not allow), reset before each test, and the question and
 * meters the tests read.
 *
 * <p>
 * Gaps between the requests WireMock logged follow the rules of the autoconfigure
 * module's behaviour tests ({@code BehaviourTestSupport}): a gap after an answer is never
 * shorter than the wait that followed it, so that lower bound is exact; a gap after a
 * timeout, which started when the client wrote the request, may be up to
 * {@link #IN_TRANSIT} shorter; and a gap may be {@link #SLOW} longer than its wait, while
 * every wrong wait these settings allow is at least twice that (read timeouts are 5 s
 * unless a test is about them).
 */
@Testcontainers(disabledWithoutDocker = true)
abstract class WireMockTestSupport {

	/**
	 * How much longer than its wait a gap between two requests may be on a loaded
	 * machine.
	 */
	static final Duration SLOW = Duration.ofSeconds(1);

	/**
	 * How long after the client wrote a request WireMock may log it.
	 */
	static final Duration IN_TRANSIT = Duration.ofMillis(250);

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
