package io.github.llmresilience.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the lifecycle, routing, scripting and recording of {@link FakeLlmServer}.
 */
class FakeLlmServerTests extends FakeLlmServerTestSupport {

	@Test
	void startsInMillisecondsOnALoopbackFreePort() throws Exception {
		long start = System.nanoTime();
		try (FakeLlmServer other = FakeLlmServer.start()) {
			Duration startTime = Duration.ofNanos(System.nanoTime() - start);
			assertThat(startTime).isLessThan(Duration.ofSeconds(2));
			assertThat(other.port()).isPositive().isNotEqualTo(this.server.port());
			URI baseUrl = URI.create(other.baseUrl());
			assertThat(baseUrl.getHost()).isEqualTo("127.0.0.1");
			assertThat(InetAddress.getByName(baseUrl.getHost()).isLoopbackAddress()).isTrue();
			assertThat(other.baseUrl()).isEqualTo("http://127.0.0.1:" + other.port() + "/v1");
			assertThat(this.chat.ask(other, "m").statusCode()).isEqualTo(200);
		}
	}

	@Test
	void startsOnAGivenPort() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		try (FakeLlmServer other = FakeLlmServer.start(port)) {
			assertThat(other.port()).isEqualTo(port);
			assertThat(this.chat.ask(other, "m").statusCode()).isEqualTo(200);
		}
	}

	@Test
	void startingOnAPortInUseFails() {
		assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> FakeLlmServer.start(this.server.port()));
	}

	@Test
	void closeStopsTheServerAndCanBeCalledAgain() throws Exception {
		FakeLlmServer other = FakeLlmServer.start();
		int port = other.port();
		other.close();
		other.close();
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> new Socket("127.0.0.1", port).close());
	}

	@Test
	void baseUrlWithPrefixKeepsTheProviderInTheRecordedPath() throws Exception {
		assertThat(this.server.baseUrl("openai")).isEqualTo("http://127.0.0.1:" + this.server.port() + "/openai/v1");
		assertThat(this.server.baseUrl("/azure/east/")).endsWith("/azure/east/v1");
		this.chat.send(this.server.baseUrl("openai"), Chat.body("gpt-4o", "Hi"));
		this.chat.client()
			.send(HttpRequest
				.newBuilder(URI.create(this.server.baseUrl("azure/east") + "/chat/completions?api-version=2024-10-21"))
				.POST(HttpRequest.BodyPublishers.ofString(Chat.body("gpt-4o", "Hi")))
				.build(), HttpResponse.BodyHandlers.ofString());
		List<RecordedRequest> requests = this.server.requests();
		assertThat(requests).extracting(RecordedRequest::path)
			.containsExactly("/openai/v1/chat/completions", "/azure/east/v1/chat/completions");
		assertThat(requests).extracting(RecordedRequest::query).containsExactly(null, "api-version=2024-10-21");
	}

	@Test
	void unknownPathsAnswer404WithAnOpenAiErrorAndAreNotRecorded() throws Exception {
		HttpResponse<String> response = this.chat.client()
			.send(HttpRequest.newBuilder(URI.create(this.server.baseUrl() + "/models")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(Chat.json(response.body()).at("/error/code").stringValue()).isEqualTo("unknown_url");
		assertThat(this.server.requests()).isEmpty();
	}

	/**
	 * A body that is not JSON, or JSON without a model, answers 400 as OpenAI does and is
	 * recorded.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = { "model=gpt-4o|We could not parse the JSON body",
			"{\"messages\":[]}|you must provide a model parameter" })
	void bodyWithoutAModelAnswers400AndIsRecorded(String body, String message) throws Exception {
		HttpResponse<String> response = this.chat.send(this.server.baseUrl(), body);
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(Chat.json(response.body()).at("/error/type").stringValue()).isEqualTo("invalid_request_error");
		assertThat(Chat.json(response.body()).at("/error/message").stringValue()).contains(message);
		assertThat(this.server.requests()).singleElement().satisfies((request) -> {
			assertThat(request.body()).isEqualTo(body);
			assertThat(request.model()).isNull();
		});
		assertThat(this.server.activeExchanges()).isZero();
	}

	@Test
	void unscriptedModelSaysHello() throws Exception {
		HttpResponse<String> response = this.chat.ask(this.server, "gpt-4o-mini");
		assertThat(Chat.json(response.body()).at("/choices/0/message/content").stringValue())
			.isEqualTo("Hello from gpt-4o-mini");
	}

	@Test
	void whenQueueIsDrainedThenDefaultAnswers() throws Exception {
		ModelScript script = this.server.model("m")
			.enqueue(FakeResponse.status(503), FakeResponse.ok("second"))
			.thenAlways(FakeResponse.ok("always"));
		assertThat(script.remaining()).isEqualTo(2);
		assertThat(this.chat.ask(this.server, "m").statusCode()).isEqualTo(503);
		assertThat(script.remaining()).isEqualTo(1);
		assertThat(content(this.chat.ask(this.server, "m"))).isEqualTo("second");
		assertThat(content(this.chat.ask(this.server, "m"))).isEqualTo("always");
		assertThat(content(this.chat.ask(this.server, "m"))).isEqualTo("always");
		assertThat(script.remaining()).isZero();
	}

	@Test
	void scriptsAreKeptPerModel() throws Exception {
		this.server.model("a").enqueue(FakeResponse.status(429));
		this.server.model("b").thenAlways(FakeResponse.ok("from b"));
		assertThat(content(this.chat.ask(this.server, "b"))).isEqualTo("from b");
		assertThat(this.chat.ask(this.server, "a").statusCode()).isEqualTo(429);
		assertThat(this.chat.ask(this.server, "a").statusCode()).isEqualTo(200);
		assertThat(this.server.model("a")).isSameAs(this.server.model("a"));
	}

	@Test
	void respondWithComputesTheAnswerPerRequest() throws Exception {
		this.server.model("echo")
			.enqueue(FakeResponse.ok("queued first"))
			.respondWith(
					(request) -> FakeResponse.ok("echo: " + request.json().at("/messages/0/content").stringValue()));
		assertThat(content(this.chat.ask(this.server, "echo"))).isEqualTo("queued first");
		assertThat(content(this.chat.send(this.server.baseUrl(), Chat.body("echo", "ping")))).isEqualTo("echo: ping");
		this.server.model("echo").thenAlways(FakeResponse.ok("fixed"));
		assertThat(content(this.chat.ask(this.server, "echo"))).isEqualTo("fixed");
	}

	@Test
	void failingResponderAnswers500WithTheCause() throws Exception {
		Logger log = Logger.getLogger(FakeLlmServer.class.getName());
		Level level = log.getLevel();
		log.setLevel(Level.OFF);
		try {
			this.server.model("m").respondWith((request) -> {
				throw new IllegalStateException("Boom");
			});
			HttpResponse<String> response = this.chat.ask(this.server, "m");
			assertThat(response.statusCode()).isEqualTo(500);
			assertThat(Chat.json(response.body()).at("/error/message").stringValue()).contains("Boom");
			assertThat(this.server.requests()).hasSize(1);
			assertThat(this.server.activeExchanges()).isZero();
		}
		finally {
			log.setLevel(level);
		}
	}

	@Test
	void defaultResponderAnswersForEveryUnscriptedModel() throws Exception {
		this.server.defaultResponder((request) -> FakeResponse.status(503));
		this.server.model("scripted").thenAlways(FakeResponse.ok("fine"));
		assertThat(this.chat.ask(this.server, "any").statusCode()).isEqualTo(503);
		assertThat(this.chat.ask(this.server, "scripted").statusCode()).isEqualTo(200);
	}

	@Test
	void chaosMixIsSeededAndKeepsItsProportions() {
		RecordedRequest request = Recorded.request("m");
		List<Integer> first = statuses(FakeLlmServer.chaosMix(7, 0.3, 0.2, Duration.ofSeconds(2)), request);
		List<Integer> second = statuses(FakeLlmServer.chaosMix(7, 0.3, 0.2, Duration.ofSeconds(2)), request);
		assertThat(first).isEqualTo(second);
		assertThat(first.stream().filter((status) -> status == 429).count()).isBetween(200L, 400L);
		assertThat(first.stream().filter((status) -> status == 500).count()).isBetween(100L, 300L);
		assertThat(FakeLlmServer.chaosMix(7, 1, 0, Duration.ofSeconds(2)).apply(request).headers)
			.anySatisfy((header) -> assertThat(header.getKey()).isEqualTo("Retry-After"));
	}

	@Test
	void resetForgetsScriptsRequestsAndDefaultsAndRecordsAgain() throws Exception {
		this.server.model("m").enqueue(FakeResponse.status(500), FakeResponse.status(500));
		this.server.defaultResponder((request) -> FakeResponse.status(503));
		assertThat(this.chat.ask(this.server, "m").statusCode()).isEqualTo(500);
		this.server.recordRequests(false);
		this.server.reset();
		assertThat(this.server.requests()).isEmpty();
		assertThat(this.server.model("m").remaining()).isZero();
		assertThat(content(this.chat.ask(this.server, "m"))).isEqualTo("Hello from m");
		assertThat(this.chat.ask(this.server, "other").statusCode()).isEqualTo(200);
		assertThat(this.server.requests()).hasSize(2);
	}

	@Test
	void requestsAreRecordedInOrderWithHeadersBodyModelAndPath() throws Exception {
		long before = System.nanoTime();
		this.chat.ask(this.server, "first");
		this.chat.askStream(this.server, "second", false);
		this.chat.ask(this.server, "first");
		List<RecordedRequest> requests = this.server.requests();
		assertThat(requests).extracting(RecordedRequest::model).containsExactly("first", "second", "first");
		assertThat(requests).extracting(RecordedRequest::stream).containsExactly(false, true, false);
		assertThat(requests).extracting(RecordedRequest::receivedNanos)
			.isSorted()
			.allSatisfy((nanos) -> assertThat(nanos).isBetween(before, System.nanoTime()));
		RecordedRequest request = requests.get(0);
		assertThat(request.method()).isEqualTo("POST");
		assertThat(request.path()).isEqualTo("/v1/chat/completions");
		assertThat(request.body()).isEqualTo(Chat.body("first", "Say hello to the world"));
		assertThat(request.json().at("/messages/0/role").stringValue()).isEqualTo("user");
		assertThat(request.header("authorization")).isEqualTo("Bearer sk-test");
		assertThat(request.header("AUTHORIZATION")).isEqualTo("Bearer sk-test");
		assertThat(request.headers().get("content-type")).containsExactly("application/json");
		assertThat(request.header("X-Missing")).isNull();
		assertThat(request.receivedAt()).isBeforeOrEqualTo(Instant.now());
		assertThat(this.server.requests("first")).hasSize(2);
		assertThat(this.server.requests("second")).singleElement().isEqualTo(requests.get(1));
		assertThat(this.server.requests("none")).isEmpty();
	}

	@Test
	void requestsIsASnapshot() throws Exception {
		List<RecordedRequest> snapshot = this.server.requests();
		this.chat.ask(this.server, "m");
		assertThat(snapshot).isEmpty();
		assertThat(this.server.requests()).hasSize(1);
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> this.server.requests().clear());
	}

	@Test
	void recordingCanBeTurnedOff() throws Exception {
		this.server.recordRequests(false);
		assertThat(this.chat.ask(this.server, "m").statusCode()).isEqualTo(200);
		assertThat(this.server.requests()).isEmpty();
	}

	@Test
	void gapsAreTheTimesBetweenConsecutiveRequests() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("late").delay(Duration.ofMillis(100)));
		for (int i = 0; i < 3; i++) {
			this.chat.ask(this.server, "m");
		}
		List<RecordedRequest> requests = this.server.requests();
		List<Duration> gaps = FakeLlmServer.gaps(requests);
		assertThat(gaps).hasSize(2).allSatisfy((gap) -> assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMillis(100)));
		assertThat(gaps.get(0))
			.isEqualTo(Duration.ofNanos(requests.get(1).receivedNanos() - requests.get(0).receivedNanos()));
		assertThat(FakeLlmServer.gaps(List.of())).isEmpty();
		assertThat(FakeLlmServer.gaps(requests.subList(0, 1))).isEmpty();
	}

	@Test
	void keepAliveConnectionServesSeveralRequests() throws Exception {
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post("/v1/chat/completions", Chat.body("m", "one"), true)
				.readUntil("Hello from m", Duration.ofSeconds(5));
			raw.post("/v1/chat/completions", Chat.body("n", "two"), true)
				.readUntil("Hello from n", Duration.ofSeconds(5));
			assertThat(raw.ending()).isEqualTo(RawHttp.Ending.OPEN);
			assertThat(raw.text()).contains("Hello from m").contains("Hello from n");
		}
		assertThat(this.server.requests()).hasSize(2);
	}

	private static String content(HttpResponse<String> response) {
		assertThat(response.statusCode()).isEqualTo(200);
		return Chat.json(response.body()).at("/choices/0/message/content").stringValue();
	}

	private static List<Integer> statuses(Function<RecordedRequest, FakeResponse> responder, RecordedRequest request) {
		return IntStream.range(0, 1000).mapToObj((i) -> responder.apply(request).status).toList();
	}

}
