package io.github.llmresilience.sample.it;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.it.Stub;
import io.github.llmresilience.it.WireMockContainer;
import io.github.llmresilience.it.WireMockContainer.LoggedRequest;
import io.github.llmresilience.sample.Delta;
import io.github.llmresilience.sample.Headline;
import io.github.llmresilience.sample.SampleApi;
import io.github.llmresilience.sample.Summary;
import io.github.llmresilience.testkit.FakeLlmServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole sample application, over HTTP, against WireMock in a container: its two
 * providers, {@code openai} and {@code backup}, are two path prefixes of one WireMock
 * server. Profile {@code it} replaces the default profile {@code demo}, so no in-process
 * fake server starts; the policies are those of {@code application.yml}, with millisecond
 * backoffs.
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "llm.providers.openai.api-key=sk-it-openai", "llm.providers.openai.read-timeout=2s",
				"llm.providers.openai.first-chunk-timeout=2s", "llm.providers.backup.api-key=sk-it-backup",
				"llm.providers.backup.read-timeout=2s", "llm.defaults.retry.initial-backoff=20ms",
				"llm.defaults.retry.jitter=0", "llm.defaults.retry.max-retry-after=5s" })
@ActiveProfiles("it")
@AutoConfigureWebTestClient
class SampleApplicationIT {

	/**
	 * How much longer than its wait a gap between two requests may be on a loaded
	 * machine; a gap is never shorter than the wait that followed an answer (the
	 * starter's integration tests follow the same rules, see its
	 * {@code WireMockTestSupport}).
	 */
	private static final Duration SLOW = Duration.ofSeconds(1);

	@Container
	static final WireMockContainer wiremock = new WireMockContainer();

	@DynamicPropertySource
	static void pointTheProvidersAtWireMock(DynamicPropertyRegistry registry) {
		registry.add("llm.providers.openai.base-url", () -> wiremock.baseUrl("openai"));
		registry.add("llm.providers.backup.base-url", () -> wiremock.baseUrl("backup"));
	}

	@Autowired
	private WebTestClient client;

	@Autowired
	private Environment environment;

	@Autowired
	private ApplicationContext context;

	private SampleApi api;

	@BeforeEach
	void resetWireMock() {
		wiremock.reset();
		this.api = new SampleApi(this.client, this.environment);
	}

	@Test
	void runsWithoutTheDemoServer() {
		assertThat(this.environment.getActiveProfiles()).containsExactly("it");
		assertThat(this.environment.getProperty("demo.llm-server.url")).isNull();
		assertThat(this.context.getBeanNamesForType(FakeLlmServer.class)).isEmpty();
		assertThat(this.environment.getProperty("llm.providers.openai.base-url")).isEqualTo(wiremock.baseUrl("openai"));
	}

	@Test
	void whenThePrimaryAlwaysAnswers503ThenTheSummaryComesFromTheBackupAndTheMetersCountIt() {
		String primaryModel = this.api.model("summaries");
		String backupModel = this.api.fallbackModel("summaries");
		int maxAttempts = this.environment.getRequiredProperty("llm.policies.summaries.retry.max-attempts",
				Integer.class);
		wiremock.stub(Stub.chatCompletions("openai").overloaded());
		wiremock.stub(Stub.chatCompletions("backup")
			.status(200)
			.json(Stub.completion(backupModel, "A summary from the backup.")));

		Summary summary = this.api.summarise("A long text.");

		assertThat(summary)
			.isEqualTo(new Summary("A summary from the backup.", "backup", backupModel, maxAttempts + 1, true));
		List<LoggedRequest> primary = wiremock.requests("openai");
		List<LoggedRequest> backup = wiremock.requests("backup");
		assertThat(primary).hasSize(maxAttempts).allSatisfy((request) -> {
			assertThat(request.header("Authorization")).isEqualTo("Bearer sk-it-openai");
			assertThat(request.body().path("model").asString()).isEqualTo(primaryModel);
		});
		assertThat(backup).singleElement().satisfies((request) -> {
			assertThat(request.header("Authorization")).isEqualTo("Bearer sk-it-backup");
			assertThat(request.body().path("model").asString()).isEqualTo(backupModel);
			assertThat(request.loggedDate()).isAfterOrEqualTo(primary.get(maxAttempts - 1).loggedDate());
		});
		String scrape = this.api.scrape();
		assertThat(SampleApi.sample(scrape, "llm_retries_total", "policy=\"summaries\"", "provider=\"openai\"",
				"model=\"" + primaryModel + "\"", "reason=\"server-error\""))
			.isEqualTo(maxAttempts - 1);
		assertThat(SampleApi.sample(scrape, "llm_fallbacks_total", "policy=\"summaries\"",
				"from=\"openai:" + primaryModel + "\"", "to=\"backup:" + backupModel + "\"", "reason=\"server-error\""))
			.isEqualTo(1);
	}

	@Test
	void whenThePrimaryIsRateLimitedWithRetryAfterThenTheSummaryComesFromItASecondLater() {
		String primaryModel = this.api.model("summaries");
		wiremock.stubInTurn("rate-limit", Stub.chatCompletions("openai").rateLimited(),
				Stub.chatCompletions("openai")
					.status(200)
					.json(Stub.completion(primaryModel, "A summary after a wait.")));

		Summary summary = this.api.summarise("A long text.");

		assertThat(summary).isEqualTo(new Summary("A summary after a wait.", "openai", primaryModel, 2, false));
		// Retry-After: 1 replaces the 20 ms backoff; up to 10 % is added.
		assertThePrimaryAloneWasAskedTwice(Duration.ofMillis(1000), Duration.ofMillis(1100));
		assertThat(SampleApi.sample(this.api.scrape(), "llm_retries_total", "policy=\"summaries\"",
				"provider=\"openai\"", "reason=\"rate-limited\""))
			.isEqualTo(1);
	}

	@Test
	void whenTheServerStreamsEventsThenTheClientReceivesEveryDeltaIntactAndInOrder() {
		String model = this.api.model("chat");
		// Leading spaces and a character of two bytes, in a body cut at arbitrary bytes.
		List<String> texts = List.of("The ", "capital ", " of France", " is ", "Paris, café included.");
		wiremock.stub(Stub.chatCompletions("openai")
			.status(200)
			.body("text/event-stream", Stub.eventStream(model, texts))
			.dribble(9, Duration.ofMillis(180)));

		Flux<ServerSentEvent<Delta>> events = this.api.chatEvents("What is the capital of France?");

		StepVerifier.create(events.collectList()).assertNext((received) -> {
			assertThat(received).extracting(ServerSentEvent::event).containsOnlyNulls();
			assertThat(received).extracting((event) -> event.data().text()).containsExactlyElementsOf(texts);
		}).expectComplete().verify(Duration.ofSeconds(5));
		List<LoggedRequest> primary = wiremock.requests("openai");
		assertThat(primary).singleElement().satisfies((request) -> {
			assertThat(request.header("Accept")).contains("text/event-stream");
			assertThat(request.body().path("stream").asBoolean()).isTrue();
			assertThat(request.body().path("model").asString()).isEqualTo(model);
		});
		assertThat(wiremock.requests("backup")).isEmpty();
	}

	@Test
	void whenTheConnectionIsResetThenTheBlockingHeadlineWriterRetriesAndAnswers() {
		String model = this.api.model("default");
		wiremock.stubInTurn("reset", Stub.chatCompletions("openai").fault("CONNECTION_RESET_BY_PEER"),
				Stub.chatCompletions("openai").status(200).json(Stub.completion(model, "Paris keeps its title")));

		Headline headline = this.api.headline("Paris is still the capital of France.");

		assertThat(headline).isEqualTo(new Headline("Paris keeps its title", "openai", model, 2, false));
		// Retried at once (a 20 ms backoff), not after the 2 s read timeout.
		assertThePrimaryAloneWasAskedTwice(Duration.ofMillis(20), Duration.ofMillis(20));
		assertThat(SampleApi.sample(this.api.scrape(), "llm_retries_total", "policy=\"default\"", "provider=\"openai\"",
				"reason=\"connection\""))
			.isEqualTo(1);
	}

	/**
	 * Assert that the primary received two requests, the second between {@code wait} and
	 * {@code longest} (plus {@link #SLOW}) after the first, and the backup none.
	 */
	private static void assertThePrimaryAloneWasAskedTwice(Duration wait, Duration longest) {
		List<LoggedRequest> primary = wiremock.requests("openai");
		assertThat(primary).hasSize(2);
		assertThat(LoggedRequest.gaps(primary)).singleElement()
			.satisfies((gap) -> assertThat(gap).isBetween(wait, longest.plus(SLOW)));
		assertThat(wiremock.requests("backup")).isEmpty();
	}

}
