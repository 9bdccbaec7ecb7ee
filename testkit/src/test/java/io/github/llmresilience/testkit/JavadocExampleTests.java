package io.github.llmresilience.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The usage example of the {@link FakeLlmServer} Javadoc, kept here so that it compiles
 * and passes. It also shows that a default {@link HttpClient}, which offers an h2c
 * upgrade, works.
 */
class JavadocExampleTests {

	private final FakeLlmServer server = FakeLlmServer.start();

	private final HttpClient client = HttpClient.newHttpClient();

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void rateLimitedThenAnswered() throws Exception {
		this.server.model("gpt-4o-mini")
			.enqueue(FakeResponse.status(429).retryAfterSeconds(1))
			.thenAlways(FakeResponse.ok("Hello!"));

		HttpResponse<String> first = this.client.send(chat("gpt-4o-mini", Duration.ofSeconds(5)),
				BodyHandlers.ofString());
		HttpResponse<String> second = this.client.send(chat("gpt-4o-mini", Duration.ofSeconds(5)),
				BodyHandlers.ofString());

		assertThat(first.statusCode()).isEqualTo(429);
		assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(second.body()).contains("\"content\":\"Hello!\"");
		List<RecordedRequest> requests = this.server.requests("gpt-4o-mini");
		assertThat(requests).hasSize(2);
		assertThat(requests.get(0).header("authorization")).isEqualTo("Bearer sk-test");
		assertThat(requests.get(0).json().at("/messages/0/content").asString()).isEqualTo("Say hello");
	}

	@Test
	void clientTimeoutAbandonsAHangingExchange() {
		this.server.model("gpt-4o").thenAlways(FakeResponse.hang());

		assertThatExceptionOfType(HttpTimeoutException.class)
			.isThrownBy(() -> this.client.send(chat("gpt-4o", Duration.ofMillis(200)), BodyHandlers.ofString()));

		await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isEqualTo(1));
		assertThat(this.server.activeExchanges()).isZero();
	}

	private HttpRequest chat(String model, Duration timeout) {
		return HttpRequest.newBuilder(URI.create(this.server.baseUrl() + "/chat/completions"))
			.timeout(timeout)
			.header("Authorization", "Bearer sk-test")
			.header("Content-Type", "application/json")
			.POST(BodyPublishers
				.ofString("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}"))
			.build();
	}

}
