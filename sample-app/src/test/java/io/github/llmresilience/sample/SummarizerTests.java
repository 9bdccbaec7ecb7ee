package io.github.llmresilience.sample;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeLlmServerExtension;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Summarizer} against {@link FakeLlmServer}, as a user tests a service of their
 * own: the example of {@code docs/guides/testing.md}.
 */
@SpringBootTest(properties = { "llm.defaults.retry.initial-backoff=10ms", "llm.defaults.retry.jitter=0" })
@ActiveProfiles("test") // any profile turns the sample app's demo mode off
class SummarizerTests {

	// One server for the class, reset after each test, closed after the last one.
	@RegisterExtension
	static final FakeLlmServerExtension llm = new FakeLlmServerExtension();

	@DynamicPropertySource
	static void pointTheProvidersAtTheFakeServer(DynamicPropertyRegistry registry) {
		registry.add("llm.providers.openai.base-url", () -> llm.server().baseUrl("openai"));
		registry.add("llm.providers.backup.base-url", () -> llm.server().baseUrl("backup"));
	}

	@Autowired
	Summarizer summarizer;

	@Test
	void whenThePrimaryIsRateLimitedThenItRetriesAfterTheWaitTheServerAskedFor(FakeLlmServer server) {
		server.model("gpt-4o")
			.enqueue(FakeResponse.status(429).retryAfterMillis(200))
			.thenAlways(FakeResponse.ok("A short summary."));

		StepVerifier.create(this.summarizer.summarise("A long text.")).assertNext((summary) -> {
			assertThat(summary.summary()).isEqualTo("A short summary.");
			assertThat(summary.provider()).isEqualTo("openai");
			assertThat(summary.attempts()).isEqualTo(2);
		}).verifyComplete();

		List<RecordedRequest> requests = server.requests("gpt-4o");
		assertThat(requests).hasSize(2);
		assertThat(FakeLlmServer.gaps(requests).get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
	}

	@Test
	void whenThePrimaryKeepsFailingThenTheBackupAnswers(FakeLlmServer server) {
		server.model("gpt-4o").thenAlways(FakeResponse.status(503));

		StepVerifier.create(this.summarizer.summarise("A long text.")).assertNext((summary) -> {
			assertThat(summary.provider()).isEqualTo("backup");
			assertThat(summary.fallback()).isTrue();
			// three on the primary, one on the backup
			assertThat(summary.attempts()).isEqualTo(4);
		}).verifyComplete();

		assertThat(server.requests().get(3).path()).isEqualTo("/backup/v1/chat/completions");
	}

	@Test
	void whenEveryTargetFailsThenTheFallbackMethodAnswers(FakeLlmServer server) {
		server.defaultResponder((request) -> FakeResponse.status(500));

		StepVerifier.create(this.summarizer.summarise("A long text.")).assertNext((summary) -> {
			assertThat(summary.summary()).isEqualTo("(no summary available right now)");
			assertThat(summary.provider()).isEqualTo("none");
			assertThat(summary.attempts()).isEqualTo(6);
		}).verifyComplete();
	}

	@Test
	void aBadRequestIsNeitherRetriedNorSentToTheBackup(FakeLlmServer server) {
		server.model("gpt-4o").thenAlways(FakeResponse.status(400));

		StepVerifier.create(this.summarizer.summarise("A long text."))
			.expectErrorSatisfies((error) -> assertThat(error).hasMessageContaining("bad-request"))
			.verify();

		assertThat(server.requests()).hasSize(1);
	}

}
