package io.github.llmresilience.testkit;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the network faults of {@link FakeResponse} and the exchange counters of
 * {@link FakeLlmServer}.
 */
class FaultTests extends FakeLlmServerTestSupport {

	private static final String PATH = "/v1/chat/completions";

	/**
	 * A client timeout that the server sees as an abandoned exchange: long enough for the
	 * request to reach the server first, over an {@link #openConnection() open
	 * connection}, on a loaded machine.
	 */
	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(1);

	@Test
	void resetAbortsTheConnectionWithoutAResponse() throws Exception {
		this.server.model("m").enqueue(FakeResponse.reset());
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.body("m", "Hi"), true).readUntilEnd(Duration.ofSeconds(5));
			assertThat(raw.ending()).isIn(RawHttp.Ending.RESET, RawHttp.Ending.EOF);
			assertThat(raw.text()).isEmpty();
		}
		assertThat(this.server.requests()).hasSize(1);
		await().untilAsserted(() -> assertThat(this.server.activeExchanges()).isZero());
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void resetFailsAnHttpClientRequestAndTheNextRequestWorks() throws Exception {
		this.server.model("m").enqueue(FakeResponse.reset().delay(Duration.ofMillis(50)));
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> this.chat.ask(this.server, "m"));
		assertThat(this.chat.ask(this.server, "m").statusCode()).isEqualTo(200);
		assertThat(this.server.requests()).hasSize(2);
	}

	@Test
	void hangNeverAnswersAndTheClientTimeoutAbandonsTheExchange() throws Exception {
		this.server.model("m").enqueue(FakeResponse.ok("first"), FakeResponse.hang());
		openConnection();
		HttpRequest request = Chat.request(this.server.baseUrl(), Chat.body("m", "Hi")).timeout(CLIENT_TIMEOUT).build();
		assertThatExceptionOfType(HttpTimeoutException.class)
			.isThrownBy(() -> this.chat.client().send(request, BodyHandlers.ofString()));
		await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isOne());
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.requests()).hasSize(2);
	}

	@Test
	void hangingExchangeIsActiveUntilTheClientLeaves() throws Exception {
		try (RawHttp raw = hangingExchange()) {
			assertThat(raw.readUntilEnd(Duration.ofMillis(200)).ending()).isEqualTo(RawHttp.Ending.QUIET);
			assertThat(this.server.abandonedExchanges()).isZero();
		}
		await().untilAsserted(() -> assertThat(this.server.activeExchanges()).isZero());
		assertThat(this.server.abandonedExchanges()).isOne();
	}

	@Test
	void cancellingADelayedRequestAbandonsTheExchange() throws Exception {
		this.server.model("m").enqueue(FakeResponse.ok("first"), FakeResponse.ok("late").delay(Duration.ofSeconds(30)));
		openConnection();
		CompletableFuture<HttpResponse<String>> response = this.chat.client()
			.sendAsync(Chat.request(this.server.baseUrl(), Chat.body("m", "Hi")).timeout(CLIENT_TIMEOUT).build(),
					BodyHandlers.ofString());
		await().untilAsserted(() -> assertThat(response).isCompletedExceptionally());
		await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isOne());
		assertThat(this.server.activeExchanges()).isZero();
	}

	@Test
	void closingTheServerEndsHangingExchanges() throws Exception {
		FakeLlmServer other = FakeLlmServer.start();
		other.model("m").thenAlways(FakeResponse.hang());
		try (RawHttp raw = new RawHttp(other.port())) {
			raw.post(PATH, Chat.body("m", "Hi"), true);
			await().untilAsserted(() -> assertThat(other.activeExchanges()).isOne());
			other.close();
			assertThat(raw.readUntilEnd(Duration.ofSeconds(5)).ending()).isIn(RawHttp.Ending.EOF, RawHttp.Ending.RESET);
		}
	}

	@Test
	void truncatedBodyClosesTheConnectionBeforeContentLengthBytes() throws Exception {
		this.server.model("m").enqueue(FakeResponse.truncatedBody());
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.body("m", "Hi"), true).readUntilEnd(Duration.ofSeconds(5));
			assertThat(raw.ending()).isEqualTo(RawHttp.Ending.EOF);
			assertThat(raw.head()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: application/json");
			long contentLength = Long.parseLong(raw.head()
				.lines()
				.filter((line) -> line.toLowerCase().startsWith("content-length:"))
				.findFirst()
				.orElseThrow()
				.substring("content-length:".length())
				.trim());
			assertThat(raw.body()).startsWith("{\"id\":\"chatcmpl-");
			assertThat((long) raw.body().length()).isPositive().isLessThan(contentLength);
		}
		await().untilAsserted(() -> assertThat(this.server.activeExchanges()).isZero());
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void truncatedBodyFailsAnHttpClientRequest() {
		this.server.model("m").enqueue(FakeResponse.truncatedBody());
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> this.chat.ask(this.server, "m"));
	}

	@Test
	void completedExchangesAreNeitherActiveNorAbandoned() throws Exception {
		this.server.model("m")
			.enqueue(FakeResponse.ok("a"), FakeResponse.status(500), FakeResponse.ok("b").delay(Duration.ofMillis(50)));
		this.chat.ask(this.server, "m");
		this.chat.ask(this.server, "m");
		this.chat.askStream(this.server, "m", true);
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void resetSetsAbandonedExchangesBackToZero() throws Exception {
		try (RawHttp raw = hangingExchange()) {
		}
		await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isOne());
		this.server.reset();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	/**
	 * Send a request that the server hangs on, once the server holds it as active.
	 */
	private RawHttp hangingExchange() throws Exception {
		this.server.model("m").enqueue(FakeResponse.hang());
		RawHttp raw = new RawHttp(this.server.port());
		try {
			raw.post(PATH, Chat.body("m", "Hi"), true);
			await().untilAsserted(() -> assertThat(this.server.activeExchanges()).isOne());
			return raw;
		}
		catch (Exception | AssertionError ex) {
			raw.close();
			throw ex;
		}
	}

	/**
	 * Answer a first request, so that the next one goes over a connection that is already
	 * open instead of waiting for a new one within its timeout.
	 */
	private void openConnection() throws Exception {
		assertThat(this.chat.ask(this.server, "m").statusCode()).isEqualTo(200);
	}

}
