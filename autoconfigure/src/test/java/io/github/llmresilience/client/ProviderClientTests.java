package io.github.llmresilience.client;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The client against a real server on a loopback socket: one request gives one answer or
 * one classified failure, for every row of the failure table.
 */
class ProviderClientTests extends ProviderClientTestSupport {

	private static final String KEY = "sk-test-0123456789abcdefSECRET";

	private static final String MODEL = "gpt-4o";

	/**
	 * A client whose timeouts a slow machine does not reach.
	 */
	private ProviderClient client() {
		return client(ProviderSettings.of("openai", this.server.baseUrl(), KEY)
			.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(10),
					Duration.ofSeconds(10)));
	}

	/**
	 * A client for the tests about timeouts: 500ms to read an answer or its first chunk,
	 * 300ms between chunks.
	 */
	private ProviderClient clientWithShortTimeouts() {
		return client(ProviderSettings.of("openai", this.server.baseUrl(), KEY)
			.withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMillis(500),
					Duration.ofMillis(300)));
	}

	private static ChatRequest request() {
		return ChatRequest.builder().system("Be brief.").user("Hello there").build();
	}

	@Test
	void okAnswerIsReadIntoAResponse() {
		this.server.model(MODEL).enqueue(FakeResponse.ok("Hi!").usage(12, 3).reportedModel("gpt-4o-2024-08-06"));
		StepVerifier.create(client().chat(MODEL, request())).assertNext((response) -> {
			assertThat(response.content()).isEqualTo("Hi!");
			assertThat(response.finishReason()).isEqualTo("stop");
			assertThat(response.usage()).isEqualTo(new Usage(12, 3, 15));
			assertThat(response.model()).isEqualTo("gpt-4o-2024-08-06");
			assertThat(response.rawJson()).contains("\"chat.completion\"");
			assertThat(response.served().provider()).isEqualTo("openai");
			assertThat(response.served().model()).isEqualTo(MODEL);
			assertThat(response.toString()).doesNotContain("Hi!");
		}).verifyComplete();
	}

	@Test
	void requestIsPostedToChatCompletionsWithTheModelTheMessagesAndTheBearerKey() {
		ChatRequest request = ChatRequest.builder()
			.system("Be brief.")
			.user("Hello there")
			.temperature(0.2)
			.maxTokens(50)
			.param("response_format", Map.of("type", "json_object"))
			.build();
		StepVerifier.create(client().chat(MODEL, request)).expectNextCount(1).verifyComplete();
		RecordedRequest recorded = this.server.requests().get(0);
		assertThat(recorded.method()).isEqualTo("POST");
		assertThat(recorded.path()).isEqualTo("/v1/chat/completions");
		assertThat(recorded.header("Authorization")).isEqualTo("Bearer " + KEY);
		assertThat(recorded.header("Content-Type")).startsWith("application/json");
		assertThat(recorded.model()).isEqualTo(MODEL);
		assertThat(recorded.stream()).isFalse();
		assertThat(recorded.json().get("messages").get(0).get("role").asString()).isEqualTo("system");
		assertThat(recorded.json().get("messages").get(1).get("content").asString()).isEqualTo("Hello there");
		assertThat(recorded.json().get("temperature").asDouble()).isEqualTo(0.2);
		assertThat(recorded.json().get("max_tokens").asInt()).isEqualTo(50);
		assertThat(recorded.json().get("response_format").get("type").asString()).isEqualTo("json_object");
		assertThat(recorded.json().has("stream")).isFalse();
	}

	@Test
	void anotherAuthHeaderCarriesTheBareKeyAlongWithQueryParamsAndExtraHeaders() {
		ProviderSettings azure = ProviderSettings.of("azure", this.server.baseUrl("openai/deployments/x"), KEY)
			.withHeaders("api-key", Map.of("X-Team", "search"), Map.of("api-version", "2024-10-21"));
		StepVerifier.create(client(azure).chat(MODEL, request())).expectNextCount(1).verifyComplete();
		RecordedRequest recorded = this.server.requests().get(0);
		assertThat(recorded.path()).isEqualTo("/openai/deployments/x/v1/chat/completions");
		assertThat(recorded.query()).isEqualTo("api-version=2024-10-21");
		assertThat(recorded.header("api-key")).isEqualTo(KEY);
		assertThat(recorded.header("Authorization")).isNull();
		assertThat(recorded.header("X-Team")).isEqualTo("search");
	}

	@Test
	void emptyKeySendsNoAuthenticationHeader() {
		StepVerifier.create(client(ProviderSettings.of("local", this.server.baseUrl(), "")).chat(MODEL, request()))
			.expectNextCount(1)
			.verifyComplete();
		assertThat(this.server.requests().get(0).header("Authorization")).isNull();
	}

	@Test
	void publishersAreColdAndEachSubscriptionSendsAgain() {
		Mono<ChatResponse> call = client().chat(MODEL, request());
		Flux<ChatChunk> stream = client().stream(MODEL, request());
		assertThat(this.server.requests()).isEmpty();
		StepVerifier.create(call).expectNextCount(1).verifyComplete();
		StepVerifier.create(call).expectNextCount(1).verifyComplete();
		StepVerifier.create(stream.then()).verifyComplete();
		assertThat(this.server.requests()).hasSize(3);
	}

	@Test
	void toolCallsAreRead() {
		this.server.model(MODEL).enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Oslo\"}"));
		StepVerifier.create(client().chat(MODEL, request())).assertNext((response) -> {
			assertThat(response.toolCalls())
				.containsExactly(ToolCall.function("call_1", "weather", "{\"city\":\"Oslo\"}"));
			assertThat(response.finishReason()).isEqualTo("tool_calls");
		}).verifyComplete();
	}

	@ParameterizedTest(name = "HTTP {0} ({1}) is {2}")
	@CsvSource(nullValues = "null", value = { "429, null, RATE_LIMITED", "429, insufficient_quota, QUOTA_EXHAUSTED",
			"402, null, QUOTA_EXHAUSTED", "500, null, SERVER_ERROR", "502, null, SERVER_ERROR",
			"503, null, SERVER_ERROR", "504, null, SERVER_ERROR", "529, null, SERVER_ERROR", "408, null, TIMEOUT",
			"409, null, CONFLICT", "401, invalid_api_key, AUTH", "403, null, AUTH", "404, model_not_found, NOT_FOUND",
			"400, context_length_exceeded, CONTEXT_LENGTH", "400, content_filter, CONTENT_FILTER",
			"400, null, BAD_REQUEST", "422, null, BAD_REQUEST", "418, null, BAD_REQUEST" })
	void everyFailedStatusGetsItsKind(int status, String code, FailureKind kind) {
		this.server.model(MODEL).enqueue(FakeResponse.error(status, "some_error", code, "What the provider said"));
		LlmException failure = failureOf(client().chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(kind);
		assertThat(failure.status()).isEqualTo(status);
		// Without a code, the type stands in for it.
		assertThat(failure.errorCode()).isEqualTo((code != null) ? code : "some_error");
		assertThat(failure.providerMessage()).isEqualTo("What the provider said");
		assertThat(failure.provider()).isEqualTo("openai");
		assertThat(failure.model()).isEqualTo(MODEL);
		assertThat(failure.requestSent()).isTrue();
		assertThat(failure.getMessage()).contains(kind.value()).contains("What the provider said");
		assertThat(this.server.requests()).hasSize(1);
	}

	@Test
	void forbiddenNamingModerationIsContentFilter() {
		this.server.model(MODEL)
			.enqueue(FakeResponse.error(403, "invalid_request_error", null,
					"Your request was rejected by our moderation system"));
		assertThat(failureOf(client().chat(MODEL, request())).kind()).isEqualTo(FailureKind.CONTENT_FILTER);
	}

	@Test
	void finishReasonContentFilterIsContentFilter() {
		this.server.model(MODEL).enqueue(FakeResponse.ok("partial").finishReason("content_filter"));
		assertThat(failureOf(client().chat(MODEL, request())).kind()).isEqualTo(FailureKind.CONTENT_FILTER);
	}

	@Test
	void errorBodyThatIsNotJsonStillGivesTheStatusKind() {
		this.server.model(MODEL).enqueue(FakeResponse.error(502, "x", null, "x").header("Content-Type", "text/html"));
		assertThat(failureOf(client().chat(MODEL, request())).kind()).isEqualTo(FailureKind.SERVER_ERROR);
	}

	@ParameterizedTest(name = "error object with code {0} in a 200 is {1}")
	@CsvSource({ "429, RATE_LIMITED", "503, SERVER_ERROR", "insufficient_quota, QUOTA_EXHAUSTED",
			"context_length_exceeded, CONTEXT_LENGTH", "invalid_api_key, AUTH" })
	void errorObjectInsideA200IsClassifiedByItsCode(String code, FailureKind kind) {
		Object value = code.chars().allMatch(Character::isDigit) ? (Object) Integer.valueOf(code) : code;
		this.server.model(MODEL).enqueue(FakeResponse.errorInOk(value, "Upstream said no"));
		LlmException failure = failureOf(client().chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(kind);
		assertThat(failure.providerMessage()).isEqualTo("Upstream said no");
	}

	@ParameterizedTest(name = "2xx body {0} is malformed")
	@CsvSource(delimiter = '|', value = { "not json at all", "{}", "{\"choices\": []}", "{\"choices\": [{}]}",
			"<html><body>Bad gateway</body></html>", "[1, 2, 3]", "{\"choices\": \"nope\"}" })
	void bodyThatIsNotACompletionIsMalformed(String body) {
		this.server.model(MODEL).enqueue(FakeResponse.malformed(body));
		LlmException failure = failureOf(client().chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
		assertThat(failure.getMessage()).contains("not a valid completion");
	}

	@Test
	void emptyBodyIsMalformed() {
		this.server.model(MODEL).enqueue(FakeResponse.malformed(""));
		assertThat(failureOf(client().chat(MODEL, request())).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
	}

	static Stream<Named<FakeResponse>> brokenConnections() {
		return Stream.of(Named.of("a connection reset after the request", FakeResponse.reset()),
				Named.of("a premature close mid-body", FakeResponse.truncatedBody()));
	}

	@ParameterizedTest(name = "{0} is a connection failure that was sent")
	@MethodSource("brokenConnections")
	void aConnectionBrokenAfterTheRequestIsAConnectionFailureThatWasSent(FakeResponse broken) {
		this.server.model(MODEL).enqueue(broken);
		LlmException failure = failureOf(client().chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.CONNECTION);
		assertThat(failure.requestSent()).isTrue();
	}

	/**
	 * Return a client of a provider whose port was free a moment ago: its connections are
	 * refused.
	 */
	private ProviderClient clientOfAClosedPort() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		return client(ProviderSettings.of("gone", "http://127.0.0.1:" + port + "/v1", KEY));
	}

	@Test
	void refusedConnectionIsAConnectionFailureThatWasNotSent() throws Exception {
		LlmException failure = failureOf(clientOfAClosedPort().chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.CONNECTION);
		assertThat(failure.requestSent()).isFalse();
		assertThat(failure.getMessage()).contains("connection refused");
	}

	@Test
	void hangingServerIsATimeoutAfterTheReadTimeoutAndTheExchangeIsAbandoned() {
		this.server.model(MODEL).enqueue(FakeResponse.hang());
		LlmException failure = failureOf(clientWithShortTimeouts().chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
		assertThat(failure.requestSent()).isTrue();
		assertThat(failure.getMessage()).contains("llm.providers.openai.read-timeout").contains("500ms");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.server.abandonedExchanges() == 1);
		assertThat(this.server.activeExchanges()).isZero();
	}

	@Test
	void readTimeoutBoundsTheWholeAnswerNotJustTheGapBetweenReads() {
		// Headers at once, then the body in five pieces 150ms apart: no gap reaches the
		// 500ms read
		// timeout, the whole answer does.
		String body = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"slow\"}}]}";
		List<String> pieces = List.of(body.substring(0, 10), body.substring(10, 20), body.substring(20, 30),
				body.substring(30, 40), body.substring(40));
		DisposableServer dribbling = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> request.receive()
				.then()
				.thenMany(response.header("Content-Type", "application/json")
					.sendString(Flux.fromIterable(pieces).delayElements(Duration.ofMillis(150)))))
			.bindNow();
		try {
			ProviderClient client = client(
					ProviderSettings.of("slow", "http://127.0.0.1:" + dribbling.port() + "/v1", KEY)
						.withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMillis(500),
								Duration.ofMillis(500)));
			LlmException failure = failureOf(client.chat(MODEL, request()));
			assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
			assertThat(failure.getMessage()).contains("no complete answer within 500ms");
		}
		finally {
			dribbling.disposeNow();
		}
	}

	@Test
	void answerSlowerThanTheReadTimeoutIsATimeout() {
		this.server.model(MODEL).enqueue(FakeResponse.ok("slow").delay(Duration.ofSeconds(5)));
		assertThat(failureOf(clientWithShortTimeouts().chat(MODEL, request())).kind()).isEqualTo(FailureKind.TIMEOUT);
	}

	@Test
	void cancellingCancelsTheExchange() {
		this.server.model(MODEL).enqueue(FakeResponse.hang());
		StepVerifier.create(client().chat(MODEL, request()))
			.then(() -> await().atMost(Duration.ofSeconds(5)).until(() -> this.server.requests().size() == 1))
			.thenCancel()
			.verify();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.server.abandonedExchanges() == 1);
	}

	@Test
	void noFreePooledConnectionInTimeIsAConnectionFailureThatWasNotSent() {
		this.server.model(MODEL).enqueue(FakeResponse.hang());
		ProviderClient client = client(
				ProviderSettings.of("small", this.server.baseUrl(), KEY).withPool(1, Duration.ofMillis(200)));
		client.chat(MODEL, request()).subscribe((response) -> {
		}, (error) -> {
		});
		await().atMost(Duration.ofSeconds(5)).until(() -> this.server.requests().size() == 1);
		LlmException failure = failureOf(client.chat(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.CONNECTION);
		assertThat(failure.requestSent()).isFalse();
		assertThat(failure.getCause()).isInstanceOf(ConnectionPoolExhaustedException.class);
		assertThat(failure.getMessage()).contains("pending-acquire-timeout");
		assertThat(this.server.requests()).hasSize(1);
	}

	@Test
	void retryAfterSecondsIsCarriedByTheFailure() {
		this.server.model(MODEL).enqueue(FakeResponse.status(429).retryAfterSeconds(7));
		assertThat(failureOf(client().chat(MODEL, request())).retryAfter()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void retryAfterMillisIsCarriedByTheFailure() {
		this.server.model(MODEL).enqueue(FakeResponse.status(429).retryAfterMillis(250).retryAfterSeconds(1));
		assertThat(failureOf(client().chat(MODEL, request())).retryAfter()).isEqualTo(Duration.ofMillis(250));
	}

	@Test
	void retryAfterHttpDateIsCarriedAsTheWaitUntilThatDate() {
		String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
		this.server.model(MODEL).enqueue(FakeResponse.status(503).retryAfter(date));
		assertThat(failureOf(client().chat(MODEL, request())).retryAfter()).isBetween(Duration.ofSeconds(25),
				Duration.ofSeconds(30));
	}

	@ParameterizedTest(name = "Retry-After {0} gives no wait")
	@CsvSource({ "0", "-3", "soon", "'Wed, 21 Oct 2015 07:28:00 GMT'" })
	void unusableRetryAfterGivesNoWait(String value) {
		this.server.model(MODEL).enqueue(FakeResponse.status(429).retryAfter(value));
		assertThat(failureOf(client().chat(MODEL, request())).retryAfter()).isNull();
	}

	@Test
	void streamDeliversEveryChunkAndTheUsageThenEnds() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("Hel", "lo", " world").usage(5, 3));
		List<ChatChunk> chunks = client().stream(MODEL, request()).collectList().block(Duration.ofSeconds(5));
		assertThat(chunks).extracting(ChatChunk::text).containsExactly("Hel", "lo", " world", "", "");
		assertThat(chunks.get(3).finishReason()).isEqualTo("stop");
		assertThat(chunks.get(4).usage()).isEqualTo(new Usage(5, 3, 8));
		RecordedRequest recorded = this.server.requests().get(0);
		assertThat(recorded.stream()).isTrue();
		assertThat(recorded.json().get("stream_options").get("include_usage").asBoolean()).isTrue();
		assertThat(recorded.header("Accept")).contains("text/event-stream");
	}

	@Test
	void streamIgnoresCommentsAndKeepAlivesAndEventsSplitAcrossWrites() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("one ", "two ", "three").keepAlives().splitWrites());
		StepVerifier.create(client().stream(MODEL, request()).map(ChatChunk::text).reduce(String::concat))
			.expectNext("one two three")
			.verifyComplete();
	}

	@Test
	void streamEndingWithoutDoneAndWithoutFinishReasonIsTruncated() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("a", "b").withoutDone());
		List<String> texts = new java.util.ArrayList<>();
		LlmException failure = failureOf(
				client().stream(MODEL, request()).doOnNext((chunk) -> texts.add(chunk.text())));
		assertThat(texts).containsExactly("a", "b");
		assertThat(failure.kind()).isEqualTo(FailureKind.CONNECTION);
		assertThat(failure.getMessage()).contains("[DONE]");
	}

	@Test
	void streamCutAfterChunksIsAConnectionFailureAfterThem() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("a", "b", "c", "d").breakAfter(2));
		List<String> texts = new java.util.ArrayList<>();
		LlmException failure = failureOf(
				client().stream(MODEL, request()).doOnNext((chunk) -> texts.add(chunk.text())));
		assertThat(texts).containsExactly("a", "b");
		assertThat(failure.kind()).isEqualTo(FailureKind.CONNECTION);
	}

	@Test
	void streamSilentForLongerThanTheIdleTimeoutIsATimeout() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("a", "b", "c").hangAfter(1));
		LlmException failure = failureOf(clientWithShortTimeouts().stream(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
		assertThat(failure.getMessage()).contains("stream-idle-timeout");
	}

	@Test
	void streamWithoutAFirstChunkInTimeIsATimeout() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("a").delay(Duration.ofSeconds(5)));
		LlmException failure = failureOf(clientWithShortTimeouts().stream(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
		assertThat(failure.getMessage()).contains("first-chunk-timeout");
	}

	@Test
	void errorEventInsideAStreamIsClassifiedByItsCode() {
		this.server.model(MODEL).enqueue(FakeResponse.stream("a", "b", "c").errorAfter(1, 502, "Upstream broke"));
		LlmException failure = failureOf(client().stream(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.SERVER_ERROR);
		assertThat(failure.status()).isEqualTo(502);
		assertThat(failure.providerMessage()).isEqualTo("Upstream broke");
	}

	@Test
	void errorObjectInsteadOfAStreamIsClassifiedBeforeAnyChunk() {
		this.server.model(MODEL).enqueue(FakeResponse.errorInOk("rate_limit_exceeded", "Slow down"));
		assertThat(failureOf(client().stream(MODEL, request())).kind()).isEqualTo(FailureKind.RATE_LIMITED);
	}

	@Test
	void failedStatusOnAStreamIsClassified() {
		this.server.model(MODEL).enqueue(FakeResponse.status(429).retryAfterMillis(100));
		LlmException failure = failureOf(client().stream(MODEL, request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(failure.retryAfter()).isEqualTo(Duration.ofMillis(100));
	}

	@Test
	void malformedEventInsideAStreamIsMalformed() {
		this.server.model(MODEL)
			.enqueue(FakeResponse.malformed("data: {not json}\n\n").header("Content-Type", "text/event-stream"));
		assertThat(failureOf(client().stream(MODEL, request())).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
	}

	@Test
	void theKeyNeverAppearsInAFailure() {
		this.server.model(MODEL)
			.enqueue(FakeResponse.error(401, "invalid_request_error", "invalid_api_key",
					"Incorrect API key provided: " + KEY + ". You can find your API key in your account."));
		LlmException failure = failureOf(client().chat(MODEL, request()));
		assertThat(failure.getMessage()).doesNotContain(KEY).doesNotContain("SECRET").contains("[REDACTED]");
		assertThat(failure.toString()).doesNotContain(KEY);
		assertThat(failure.providerMessage()).doesNotContain(KEY);
		assertThat(client().settings().toString()).doesNotContain(KEY).contains("(set)");
	}

	@Test
	void theKeyNeverAppearsInATransportFailure() throws Exception {
		LlmException failure = failureOf(clientOfAClosedPort().chat(MODEL, request()));
		Throwable cause = failure;
		while (cause != null) {
			assertThat(String.valueOf(cause.getMessage())).doesNotContain(KEY);
			cause = cause.getCause();
		}
	}

	@Test
	void baseUrlWithTrailingSlashIsJoinedCleanly() {
		ProviderClient client = client(new ProviderSettings("x", URI.create(this.server.baseUrl() + "/"), null,
				ProviderSettings.AUTHORIZATION, Map.of(), Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(2),
				Duration.ofSeconds(2), Duration.ofSeconds(2), 10, Duration.ofSeconds(5)));
		StepVerifier.create(client.chat(MODEL, request())).expectNextCount(1).verifyComplete();
		assertThat(this.server.requests().get(0).path()).isEqualTo("/v1/chat/completions");
	}

}
