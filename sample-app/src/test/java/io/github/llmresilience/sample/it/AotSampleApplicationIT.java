package io.github.llmresilience.sample.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.http.codec.ServerSentEvent;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.sample.Answer;
import io.github.llmresilience.sample.Delta;
import io.github.llmresilience.sample.Headline;
import io.github.llmresilience.sample.SampleApi;
import io.github.llmresilience.sample.Summary;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application as the build packages it, AOT-processed
 * ({@code spring-boot-maven-plugin}'s {@code process-aot} goal), started as a user starts
 * it: {@code java -Dspring.aot.enabled=true -jar}, in demo mode. Its bean definitions are
 * the generated code, not the configuration classes; on the JVM, not in a native image
 * (docs/project/building.md says what that leaves out).
 * <p>
 * {@code summaries} gets a deadline of 1 ms, shorter than any answer of the demo server,
 * so that its fallback method answers; the other endpoints run as in demo mode, with its
 * seeded rate limits and server errors.
 */
class AotSampleApplicationIT {

	private static final List<String> PROVIDERS = List.of("openai", "backup");

	private static Process application;

	private static Path log;

	private static WebTestClient client;

	private static SampleApi api;

	@BeforeAll
	static void startTheAotProcessedJar() throws IOException {
		Path jar = Path.of(System.getProperty("sample.jar", "target/llm-resilience-sample-app.jar"));
		assertThat(jar).as("the sample app's jar (./mvnw verify builds it)").isRegularFile();
		int port = freePort();
		log = Files.createTempFile("aot-sample-app", ".log");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		application = new ProcessBuilder(java, "-Dspring.aot.enabled=true", "-jar", jar.toString(),
				"--server.port=" + port, "--llm.policies.summaries.deadline=1ms")
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
		// The application runs in a process of its own: no environment to read the
		// models from, which these tests do not ask for.
		api = new SampleApi(client, new MockEnvironment());
		Awaitility.await("the AOT-processed sample app to answer /actuator/health (log: " + log + ")")
			.atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> {
				assertThat(application.isAlive()).as("the application is running (log: %s)", log).isTrue();
				return isUp();
			});
	}

	@AfterAll
	static void stop() throws InterruptedException {
		if (application != null) {
			application.destroy();
			if (!application.waitFor(30, TimeUnit.SECONDS)) {
				application.destroyForcibly();
			}
		}
	}

	@Test
	void startsFromTheGeneratedCode() throws IOException {
		assertThat(Files.readString(log)).contains("Starting AOT-processed SampleApplication");
	}

	@Test
	void theBlockingLlmCallMethodAnswers() {
		Headline headline = api.headline("Rate limits, outages and timeouts happen.");

		assertThat(headline).isNotNull();
		assertThat(headline.headline()).isNotBlank();
		assertThat(headline.provider()).isIn(PROVIDERS);
		assertThat(headline.attempts()).isPositive();
	}

	@Test
	void theFallbackMethodAnswersWhenTheDeadlinePasses() {
		Summary summary = api.summarise("Rate limits, outages and timeouts happen.");

		assertThat(summary).isNotNull();
		assertThat(summary.summary()).isEqualTo("(no summary available right now)");
		assertThat(summary.provider()).isEqualTo("none");
		assertThat(summary.fallback()).isTrue();
	}

	@Test
	void theStreamingLlmCallMethodStreams() {
		Flux<ServerSentEvent<Delta>> events = api.chatEvents("Tell me a story");

		StepVerifier.create(events.collectList()).assertNext((received) -> {
			assertThat(received).hasSizeGreaterThan(1);
			assertThat(String.join("", received.stream().map((event) -> event.data().text()).toList())).isNotBlank();
		}).expectComplete().verify(Duration.ofSeconds(30));
	}

	@Test
	void theSpringAiEndpointAnswers() {
		Answer answer = api.answer("Why do LLM APIs answer 429?");

		assertThat(answer).isNotNull();
		assertThat(answer.answer()).isNotBlank();
		assertThat(answer.provider()).isIn(PROVIDERS);
	}

	private static boolean isUp() {
		try {
			return client.get()
				.uri("/actuator/health")
				.exchange()
				.returnResult(String.class)
				.getStatus()
				.is2xxSuccessful();
		}
		catch (RuntimeException ex) {
			// Not listening yet.
			return false;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
