package io.github.llmresilience.it;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Retries on one target against WireMock: rate limits with {@code Retry-After},
 * connection resets and read timeouts, as the upstream sees them.
 */
class RetryIT extends WireMockTestSupport {

	@Test
	void whenRateLimitedTwiceThenRetriesAfterTheServersRetryAfterAndSucceeds() {
		wiremock.stubInTurn("rate-limit", Stub.chatCompletions("primary").rateLimited(),
				Stub.chatCompletions("primary").rateLimited(),
				Stub.chatCompletions("primary").status(200).json(Stub.completion("gpt-4o-mini-2024-07-18", "Paris")));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(question())).assertNext((response) -> {
				assertThat(response.content()).isEqualTo("Paris");
				assertThat(response.model()).isEqualTo("gpt-4o-mini-2024-07-18");
				assertThat(response.served()).isEqualTo(new Served("primary", PRIMARY_MODEL, 3, false));
			}).verifyComplete();
			assertThat(retries(app, "default", "rate-limited")).isEqualTo(2);
		}
		List<LoggedRequest> requests = wiremock.requests("primary");
		assertThat(requests).hasSize(3);
		// Retry-After: 1 replaces the 20 ms backoff; up to 10 % is added.
		assertThat(LoggedRequest.gaps(requests)).allSatisfy(
				(gap) -> assertThat(gap).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1100).plus(SLOW)));
		assertThat(requests).allSatisfy((request) -> {
			assertThat(request.header("Authorization")).isEqualTo("Bearer sk-it-primary");
			assertThat(request.body().path("model").asString()).isEqualTo(PRIMARY_MODEL);
		});
	}

	/**
	 * One failed answer, then 200: the failure's kind is the retry's reason, and the
	 * second request follows the first after the failure itself and the 20 ms backoff: at
	 * once after an answer, after the read timeout when the answer is late. That row
	 * shortens the read timeout to 1 s, time enough for the second answer on a loaded
	 * machine and far from the 5 s the late answer takes.
	 */
	static Stream<Arguments> oneFailureThenAnAnswer() {
		return Stream.of(
				arguments("a connection reset", Stub.chatCompletions("primary").fault("CONNECTION_RESET_BY_PEER"),
						"connection", null),
				arguments("an answer slower than the read timeout",
						Stub.chatCompletions("primary")
							.status(200)
							.json(Stub.completion(PRIMARY_MODEL, "too late"))
							.fixedDelay(Duration.ofSeconds(5)),
						"timeout", Duration.ofSeconds(1)),
				arguments("a 503", Stub.chatCompletions("primary").overloaded(), "server-error", null),
				arguments("a 408",
						Stub.chatCompletions("primary").status(408).json(Stub.error("Request timed out.", "timeout")),
						"timeout", null));
	}

	@ParameterizedTest(name = "{0} is retried as {2}")
	@MethodSource("oneFailureThenAnAnswer")
	void oneFailureIsRetriedWithItsKindAsTheReasonAndTheSecondAttemptIsServed(String failure, Stub first, String reason,
			Duration readTimeout) {
		wiremock.stubInTurn("once", first,
				Stub.chatCompletions("primary").status(200).json(Stub.completion(PRIMARY_MODEL, "Paris")));
		String[] properties = (readTimeout != null)
				? new String[] { "llm.providers.primary.read-timeout=" + readTimeout.toMillis() + "ms" }
				: new String[0];
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock, properties)) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(question())).assertNext((response) -> {
				assertThat(response.content()).isEqualTo("Paris");
				assertThat(response.served()).isEqualTo(new Served("primary", PRIMARY_MODEL, 2, false));
			}).verifyComplete();
			assertThat(retries(app, "default", reason)).isEqualTo(1);
		}
		List<LoggedRequest> requests = wiremock.requests("primary");
		assertThat(requests).hasSize(2);
		Duration wait = (readTimeout != null) ? readTimeout.plusMillis(20) : Duration.ofMillis(20);
		Duration early = (readTimeout != null) ? IN_TRANSIT : Duration.ZERO;
		assertThat(LoggedRequest.gaps(requests).get(0)).isBetween(wait.minus(early), wait.plus(SLOW));
	}

	@Test
	void whenTheAnswerIsSlowerThanTheReadTimeoutThenANonIdempotentCallFailsWithoutRetry() {
		wiremock.stub(Stub.chatCompletions("primary")
			.status(200)
			.json(Stub.completion(PRIMARY_MODEL, "too late"))
			.fixedDelay(Duration.ofSeconds(2)));
		ChatRequest once = question().mutate().idempotent(false).build();
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock,
				"llm.providers.primary.read-timeout=300ms")) {
			StepVerifier.create(app.getBean(LlmClient.class).chat(once)).expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmException.class);
				LlmException failure = (LlmException) error;
				assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
				assertThat(failure.requestSent()).isTrue();
				assertThat(failure.attempts()).isEqualTo(1);
			}).verify(Duration.ofSeconds(5));
			assertThat(app.getBean(MeterRegistry.class).find("llm.retries").counters())
				.allSatisfy((counter) -> assertThat(counter.count()).isZero());
		}
		assertThat(wiremock.requests("primary")).hasSize(1);
	}

}
