package io.github.llmresilience.it;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.test.StepVerifier;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.it.WireMockContainer.LoggedRequest;

import static io.github.llmresilience.it.ItApplication.PRIMARY_MODEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries on one target against WireMock: rate limits with {@code Retry-After}, connection
 * resets and read timeouts, as the upstream sees them.
 */
@Testcontainers(disabledWithoutDocker = true)
class RetryIT {

	@Container
	static final WireMockContainer wiremock = new WireMockContainer();

	@BeforeEach
	void resetWireMock() {
		wiremock.reset();
	}

	@Test
	void whenRateLimitedTwiceThenRetriesAfterTheServersRetryAfterAndSucceeds() {
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("rate-limit", Stub.STARTED, "limited-once")
			.status(429)
			.header("Retry-After", "1")
			.json(Stub.error("Rate limit reached for requests", "requests")));
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("rate-limit", "limited-once", "limited-twice")
			.status(429)
			.header("Retry-After", "1")
			.json(Stub.error("Rate limit reached for requests", "requests")));
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("rate-limit", "limited-twice", "served")
			.status(200)
			.json(Stub.completion("gpt-4o-mini-2024-07-18", "Paris")));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(question()))
				.assertNext((response) -> {
					assertThat(response.content()).isEqualTo("Paris");
					assertThat(response.model()).isEqualTo("gpt-4o-mini-2024-07-18");
					assertThat(response.served()).isEqualTo(new Served("primary", PRIMARY_MODEL, 3, false));
				})
				.verifyComplete();
			assertThat(retries(app, "rate-limited")).isEqualTo(2);
		}
		List<LoggedRequest> requests = wiremock.requests("primary");
		assertThat(requests).hasSize(3);
		// Retry-After: 1 replaces the 20 ms backoff; up to 10 % is added, and a container adds its own noise.
		assertThat(LoggedRequest.gaps(requests)).allSatisfy(
				(gap) -> assertThat(gap).isBetween(Duration.ofMillis(900), Duration.ofMillis(1400)));
		assertThat(requests).allSatisfy((request) -> {
			assertThat(request.header("Authorization")).isEqualTo("Bearer sk-it-primary");
			assertThat(request.body().path("model").asString()).isEqualTo(PRIMARY_MODEL);
		});
	}

	@Test
	void whenTheConnectionIsResetThenRetriesItAsAConnectionFailure() {
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("reset", Stub.STARTED, "reset-once")
			.fault("CONNECTION_RESET_BY_PEER"));
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("reset", "reset-once", "served")
			.status(200)
			.json(Stub.completion(PRIMARY_MODEL, "Paris")));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(question()))
				.assertNext((response) -> {
					assertThat(response.content()).isEqualTo("Paris");
					assertThat(response.served()).isEqualTo(new Served("primary", PRIMARY_MODEL, 2, false));
				})
				.verifyComplete();
			assertThat(retries(app, "connection")).isEqualTo(1);
		}
		List<LoggedRequest> requests = wiremock.requests("primary");
		assertThat(requests).hasSize(2);
		assertThat(LoggedRequest.gaps(requests).get(0)).isLessThan(Duration.ofMillis(500));
	}

	@Test
	void whenTheAnswerIsSlowerThanTheReadTimeoutThenAnIdempotentCallIsRetried() {
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("slow", Stub.STARTED, "slow-once")
			.status(200)
			.json(Stub.completion(PRIMARY_MODEL, "too late"))
			.fixedDelay(Duration.ofSeconds(2)));
		wiremock.stub(Stub.chatCompletions("primary")
			.inScenario("slow", "slow-once", "served")
			.status(200)
			.json(Stub.completion(PRIMARY_MODEL, "Paris")));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(question()))
				.assertNext((response) -> {
					assertThat(response.content()).isEqualTo("Paris");
					assertThat(response.served()).isEqualTo(new Served("primary", PRIMARY_MODEL, 2, false));
				})
				.verifyComplete();
			assertThat(retries(app, "timeout")).isEqualTo(1);
		}
		List<LoggedRequest> requests = wiremock.requests("primary");
		assertThat(requests).hasSize(2);
		// The second request follows the 300 ms read timeout and the 20 ms backoff, not the 2 s delay.
		assertThat(LoggedRequest.gaps(requests).get(0)).isBetween(Duration.ofMillis(300), Duration.ofMillis(1000));
	}

	@Test
	void whenTheAnswerIsSlowerThanTheReadTimeoutThenANonIdempotentCallFailsWithoutRetry() {
		wiremock.stub(Stub.chatCompletions("primary")
			.status(200)
			.json(Stub.completion(PRIMARY_MODEL, "too late"))
			.fixedDelay(Duration.ofSeconds(2)));
		ChatRequest once = question().mutate().idempotent(false).build();
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(once))
				.expectErrorSatisfies((error) -> {
					assertThat(error).isInstanceOf(LlmException.class);
					LlmException failure = (LlmException) error;
					assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
					assertThat(failure.requestSent()).isTrue();
					assertThat(failure.attempts()).isEqualTo(1);
				})
				.verify(Duration.ofSeconds(5));
			assertThat(app.getBean(MeterRegistry.class).find("llm.retries").counters()).allSatisfy(
					(counter) -> assertThat(counter.count()).isZero());
		}
		assertThat(wiremock.requests("primary")).hasSize(1);
	}

	private static ChatRequest question() {
		return ChatRequest.builder().user("What is the capital of France?").build();
	}

	private static double retries(ConfigurableApplicationContext app, String reason) {
		return app.getBean(MeterRegistry.class)
			.get("llm.retries")
			.tags("policy", "default", "provider", "primary", "model", PRIMARY_MODEL, "reason", reason)
			.counter()
			.count();
	}

}
