package io.github.llmresilience.it;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.it.WireMockContainer.LoggedRequest;

import static io.github.llmresilience.it.ItApplication.BACKUP_MODEL;
import static io.github.llmresilience.it.ItApplication.PRIMARY_MODEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fallback from one provider to another through {@code @LlmCall}, against two path
 * prefixes of WireMock, and an error that must neither be retried nor fall back.
 */
class FallbackIT extends WireMockTestSupport {

	@Test
	void whenThePrimaryAlwaysAnswers503ThenTheBackupServesAndMetersCountRetriesAndTheFallback() {
		wiremock.stub(Stub.chatCompletions("primary").overloaded());
		wiremock.stub(Stub.chatCompletions("backup").status(200).json(Stub.completion(BACKUP_MODEL, "A summary.")));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(Assistant.class).summarise("A long text.")).assertNext((response) -> {
				assertThat(response.content()).isEqualTo("A summary.");
				assertThat(response.served()).isEqualTo(new Served("backup", BACKUP_MODEL, 4, true));
			}).verifyComplete();
			assertThat(retries(app, "summaries", "server-error")).isEqualTo(2);
			assertThat(app.getBean(MeterRegistry.class)
				.get("llm.fallbacks")
				.tags("policy", "summaries", "from", "primary:" + PRIMARY_MODEL, "to", "backup:" + BACKUP_MODEL,
						"reason", "server-error")
				.counter()
				.count()).isEqualTo(1);
		}
		List<LoggedRequest> primary = wiremock.requests("primary");
		List<LoggedRequest> backup = wiremock.requests("backup");
		assertThat(primary).hasSize(3);
		assertThat(backup).hasSize(1);
		// Backoffs of 20 ms then 40 ms, not the default 2 s.
		assertThat(LoggedRequest.gaps(primary)).satisfiesExactly(
				(gap) -> assertThat(gap).isBetween(Duration.ofMillis(20), Duration.ofMillis(20).plus(SLOW)),
				(gap) -> assertThat(gap).isBetween(Duration.ofMillis(40), Duration.ofMillis(40).plus(SLOW)));
		assertThat(primary).allSatisfy((request) -> {
			assertThat(request.header("Authorization")).isEqualTo("Bearer sk-it-primary");
			assertThat(request.body().path("model").asString()).isEqualTo(PRIMARY_MODEL);
		});
		assertThat(backup.get(0).header("Authorization")).isEqualTo("Bearer sk-it-backup");
		assertThat(backup.get(0).body().path("model").asString()).isEqualTo(BACKUP_MODEL);
		assertThat(backup.get(0).loggedDate()).isAfterOrEqualTo(primary.get(2).loggedDate());
	}

	@Test
	void whenThePrimaryRejectsTheRequestThenOneRequestIsSentAndTheProvidersMessageReachesTheCaller() {
		wiremock.stub(Stub.chatCompletions("primary")
			.status(400)
			.json(Stub.error("Invalid value for 'temperature': must be between 0 and 2.", "invalid_request_error")));
		wiremock.stub(Stub.chatCompletions("backup").status(200).json(Stub.completion(BACKUP_MODEL, "A summary.")));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(Assistant.class).summarise("A long text."))
				.expectErrorSatisfies((error) -> {
					assertThat(error).isInstanceOf(LlmException.class)
						.hasMessageContaining("Invalid value for 'temperature': must be between 0 and 2.");
					LlmException failure = (LlmException) error;
					assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
					assertThat(failure.status()).isEqualTo(400);
					assertThat(failure.attempts()).isEqualTo(1);
				})
				.verify(Duration.ofSeconds(5));
			MeterRegistry meters = app.getBean(MeterRegistry.class);
			assertThat(meters.find("llm.retries").counters())
				.allSatisfy((counter) -> assertThat(counter.count()).isZero());
			assertThat(meters.find("llm.fallbacks").counters())
				.allSatisfy((counter) -> assertThat(counter.count()).isZero());
		}
		assertThat(wiremock.requests("primary")).hasSize(1);
		assertThat(wiremock.requests("backup")).isEmpty();
	}

}
