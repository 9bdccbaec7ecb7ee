package io.github.llmresilience.testkit;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for the JSON answers of {@link FakeResponse}: completions and errors.
 */
class CompletionResponseTests extends FakeLlmServerTestSupport {

	@Test
	void okAnswersAChatCompletionDocument() throws Exception {
		HttpResponse<String> response = answerOf("gpt-4o", FakeResponse.ok("Hello there, world"));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(response.body().length());
		JsonNode json = Chat.json(response.body());
		assertThat(json.path("id").stringValue()).startsWith("chatcmpl-");
		assertThat(json.path("object").stringValue()).isEqualTo("chat.completion");
		assertThat(json.path("created").asLong()).isCloseTo(System.currentTimeMillis() / 1000, within(60L));
		assertThat(json.path("model").stringValue()).isEqualTo("gpt-4o");
		assertThat(json.path("choices")).hasSize(1);
		JsonNode choice = json.path("choices").path(0);
		assertThat(choice.path("index").asInt()).isZero();
		assertThat(choice.at("/message/role").stringValue()).isEqualTo("assistant");
		assertThat(choice.at("/message/content").stringValue()).isEqualTo("Hello there, world");
		assertThat(choice.at("/message/tool_calls").isMissingNode()).isTrue();
		assertThat(choice.path("finish_reason").stringValue()).isEqualTo("stop");
		// Word counts: "Say hello to the world" and "Hello there, world".
		assertUsage(json, 5, 3, 8);
	}

	@Test
	void completionIdsAreUnique() throws Exception {
		String first = Chat.json(this.chat.ask(this.server, "m").body()).path("id").stringValue();
		String second = Chat.json(this.chat.ask(this.server, "m").body()).path("id").stringValue();
		assertThat(first).isNotEqualTo(second);
	}

	@Test
	void usageFinishReasonAndReportedModelCanBeGiven() throws Exception {
		this.server.model("gpt-4o")
			.thenAlways(
					FakeResponse.ok("Cut").usage(1200, 4096).finishReason("length").reportedModel("gpt-4o-2024-08-06"));
		JsonNode json = Chat.json(this.chat.ask(this.server, "gpt-4o").body());
		assertThat(json.path("model").stringValue()).isEqualTo("gpt-4o-2024-08-06");
		assertThat(json.at("/choices/0/finish_reason").stringValue()).isEqualTo("length");
		assertUsage(json, 1200, 4096, 5296);
	}

	@Test
	void toolCallWithoutTextHasNullContentAndToolCallsFinishReason() throws Exception {
		JsonNode message = Chat.json(answerOf("m", weatherAndTimeToolCalls("Paris")).body()).at("/choices/0/message");
		assertThat(message.path("content").isNull()).isTrue();
		assertThat(message.path("tool_calls")).hasSize(2);
		JsonNode call = message.path("tool_calls").path(0);
		assertThat(call.path("id").stringValue()).isEqualTo("call_1");
		assertThat(call.path("type").stringValue()).isEqualTo("function");
		assertThat(call.at("/function/name").stringValue()).isEqualTo("get_weather");
		assertThat(call.at("/function/arguments").stringValue()).isEqualTo("{\"city\":\"Paris\"}");
		assertThat(Chat.json(this.chat.ask(this.server, "m").body()).at("/choices/0/finish_reason").stringValue())
			.isEqualTo("tool_calls");
	}

	@Test
	void toolCallWithTextKeepsTheText() throws Exception {
		JsonNode message = Chat
			.json(answerOf("m", FakeResponse.ok("Let me check.").toolCall("call_1", "lookup", "{}")).body())
			.at("/choices/0/message");
		assertThat(message.path("content").stringValue()).isEqualTo("Let me check.");
		assertThat(message.path("tool_calls")).hasSize(1);
	}

	@Test
	void streamChunksAreJoinedForANonStreamRequest() throws Exception {
		HttpResponse<String> response = answerOf("m", FakeResponse.stream("Hel", "lo", "!").breakAfter(1));
		assertThat(Chat.json(response.body()).at("/choices/0/message/content").stringValue()).isEqualTo("Hello!");
	}

	@Test
	void statusAnswersARealisticErrorBody() throws Exception {
		this.server.model("gpt-4o")
			.enqueue(FakeResponse.status(429), FakeResponse.status(401), FakeResponse.status(404),
					FakeResponse.status(500), FakeResponse.status(503), FakeResponse.status(529),
					FakeResponse.status(418));
		assertError(this.chat.ask(this.server, "gpt-4o"), 429, "requests", "rate_limit_exceeded",
				"Rate limit reached for gpt-4o");
		assertError(this.chat.ask(this.server, "gpt-4o"), 401, "invalid_request_error", "invalid_api_key",
				"Incorrect API key provided");
		assertError(this.chat.ask(this.server, "gpt-4o"), 404, "invalid_request_error", "model_not_found",
				"The model `gpt-4o` does not exist");
		assertError(this.chat.ask(this.server, "gpt-4o"), 500, "server_error", null, "The server had an error");
		assertError(this.chat.ask(this.server, "gpt-4o"), 503, "server_error", "service_unavailable",
				"The server is overloaded");
		assertError(this.chat.ask(this.server, "gpt-4o"), 529, "overloaded_error", "overloaded", "overloaded");
		assertError(this.chat.ask(this.server, "gpt-4o"), 418, "invalid_request_error", null, "HTTP 418");
	}

	@Test
	void errorAnswersExactlyTheGivenBody() throws Exception {
		this.server.model("m")
			.thenAlways(FakeResponse.error(400, "invalid_request_error", "context_length_exceeded",
					"This model's maximum context length is 128000 tokens."));
		HttpResponse<String> response = this.chat.ask(this.server, "m");
		assertThat(response.body())
			.isEqualTo("{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
					+ "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"context_length_exceeded\"}}");
		assertError(response, 400, "invalid_request_error", "context_length_exceeded", "maximum context length");
	}

	@Test
	void retryAfterHeadersAreSent() throws Exception {
		this.server.model("m")
			.enqueue(FakeResponse.status(429).retryAfterSeconds(7).retryAfterMillis(6500),
					FakeResponse.status(503).retryAfter("Wed, 21 Oct 2015 07:28:00 GMT").retryAfter("soon"));
		HttpResponse<String> first = this.chat.ask(this.server, "m");
		assertThat(first.headers().allValues("Retry-After")).containsExactly("7");
		assertThat(first.headers().allValues("retry-after-ms")).containsExactly("6500");
		HttpResponse<String> second = this.chat.ask(this.server, "m");
		assertThat(second.statusCode()).isEqualTo(503);
		assertThat(second.headers().allValues("Retry-After")).containsExactly("soon");
	}

	@Test
	void customHeadersAreAddedAndReplaceTheServersOwn() throws Exception {
		this.server.model("m")
			.thenAlways(FakeResponse.ok("x")
				.header("x-ratelimit-remaining-requests", "0")
				.header("Set-Cookie", "a=1")
				.header("Set-Cookie", "b=2")
				.header("Content-Type", "application/json; charset=utf-8"));
		HttpResponse<String> response = this.chat.ask(this.server, "m");
		assertThat(response.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
		assertThat(response.headers().allValues("set-cookie")).containsExactly("a=1", "b=2");
		assertThat(response.headers().allValues("content-type")).containsExactly("application/json; charset=utf-8");
	}

	@Test
	void errorInOkAnswers200WithAnErrorBody() throws Exception {
		this.server.model("m")
			.enqueue(FakeResponse.errorInOk(429, "Rate limit exceeded upstream"),
					FakeResponse.errorInOk("server_error", "Upstream failed"));
		HttpResponse<String> first = this.chat.ask(this.server, "m");
		assertThat(first.statusCode()).isEqualTo(200);
		JsonNode error = Chat.json(first.body()).path("error");
		assertThat(error.path("code").isNumber()).isTrue();
		assertThat(error.path("code").asInt()).isEqualTo(429);
		assertThat(error.path("message").stringValue()).isEqualTo("Rate limit exceeded upstream");
		assertThat(error.path("type").stringValue()).isEqualTo("rate_limit_error");
		JsonNode second = Chat.json(this.chat.ask(this.server, "m").body()).path("error");
		assertThat(second.path("code").stringValue()).isEqualTo("server_error");
		assertThat(second.path("type").stringValue()).isEqualTo("server_error");
	}

	@Test
	void malformedAnswersExactlyTheBody() throws Exception {
		HttpResponse<String> response = answerOf("m", FakeResponse.malformed("{\"choices\": [ {\"message\": "));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.body()).isEqualTo("{\"choices\": [ {\"message\": ");
	}

	@Test
	void delayIsMeasuredFromTheRecordedArrival() throws Exception {
		HttpResponse<String> response = answerOf("m", FakeResponse.ok("late").delay(Duration.ofMillis(300)));
		long answered = System.nanoTime();
		assertThat(response.statusCode()).isEqualTo(200);
		RecordedRequest request = this.server.requests().get(0);
		assertThat(Duration.ofNanos(answered - request.receivedNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(300));
		assertThat(this.server.activeExchanges()).isZero();
	}

	@Test
	void responsesAreImmutable() {
		FakeResponse base = FakeResponse.ok("x");
		FakeResponse delayed = base.delay(Duration.ofSeconds(1)).header("a", "b");
		assertThat(base.delay).isZero();
		assertThat(base.headers).isEmpty();
		assertThat(delayed.delay).isEqualTo(Duration.ofSeconds(1));
		assertThat(delayed).isNotSameAs(base);
		assertThat(delayed.toString()).contains("delay=PT1S");
	}

	@Test
	void modifiersThatCannotApplyFailFast() {
		assertThatIllegalStateException().isThrownBy(() -> FakeResponse.status(500).breakAfter(2))
			.withMessageContaining("breakAfter");
		assertThatIllegalStateException().isThrownBy(() -> FakeResponse.hang().usage(1, 2));
		assertThatIllegalStateException().isThrownBy(() -> FakeResponse.malformed("x").toolCall("a", "b", "{}"));
		assertThatIllegalArgumentException().isThrownBy(() -> FakeResponse.status(200));
		assertThatIllegalArgumentException().isThrownBy(() -> FakeResponse.ok("x").delay(Duration.ofMillis(-1)));
		assertThatIllegalArgumentException().isThrownBy(() -> FakeResponse.ok("x").breakAfter(-1));
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> FakeResponse.ok(null));
	}

	/**
	 * Return the answer to a chat completion request for a model that always answers with
	 * the given response.
	 */
	private HttpResponse<String> answerOf(String model, FakeResponse response) throws Exception {
		this.server.model(model).thenAlways(response);
		return this.chat.ask(this.server, model);
	}

	private static void assertError(HttpResponse<String> response, int status, String type, String code,
			String message) {
		assertThat(response.statusCode()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		JsonNode error = Chat.json(response.body()).path("error");
		assertThat(error.path("type").stringValue()).isEqualTo(type);
		assertThat(error.has("param")).isTrue();
		assertThat(error.path("param").isNull()).isTrue();
		if (code == null) {
			assertThat(error.path("code").isNull()).isTrue();
		}
		else {
			assertThat(error.path("code").stringValue()).isEqualTo(code);
		}
		assertThat(error.path("message").stringValue()).contains(message);
	}

}
