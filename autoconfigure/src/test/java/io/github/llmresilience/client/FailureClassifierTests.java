package io.github.llmresilience.client;

import java.net.URI;
import java.nio.channels.NotYetConnectedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;

import static org.assertj.core.api.Assertions.assertThat;

class FailureClassifierTests {

	@ParameterizedTest(name = "{0} with code {1} is {3}")
	@CsvSource(nullValues = "null",
			value = { "429, null, null, RATE_LIMITED", "429, rate_limit_exceeded, null, RATE_LIMITED",
					"429, insufficient_quota, null, QUOTA_EXHAUSTED", "429, null, insufficient_quota, QUOTA_EXHAUSTED",
					"402, null, null, QUOTA_EXHAUSTED", "500, null, null, SERVER_ERROR",
					"502, null, null, SERVER_ERROR", "503, null, null, SERVER_ERROR", "504, null, null, SERVER_ERROR",
					"529, null, null, SERVER_ERROR", "599, null, null, SERVER_ERROR", "408, null, null, TIMEOUT",
					"409, null, null, CONFLICT", "401, invalid_api_key, null, AUTH",
					"403, null, permission_denied, AUTH", "404, model_not_found, null, NOT_FOUND",
					"400, context_length_exceeded, invalid_request_error, CONTEXT_LENGTH",
					"400, content_filter, null, CONTENT_FILTER", "400, null, invalid_request_error, BAD_REQUEST",
					"422, null, null, BAD_REQUEST", "413, null, null, BAD_REQUEST", "418, null, null, BAD_REQUEST",
					"302, null, null, MALFORMED_RESPONSE" })
	void statusAndCodeGiveExactlyOneKind(int status, String code, String type, FailureKind kind) {
		assertThat(FailureClassifier.kindOf(status, new ProviderError(code, type, "message", null), false))
			.isEqualTo(kind);
	}

	@ParameterizedTest(name = "403 saying {0} is {1}")
	@CsvSource({ "Your request was flagged by our moderation system, CONTENT_FILTER",
			"You do not have access to this model, AUTH" })
	void forbiddenNamingModerationIsContentFilter(String message, FailureKind kind) {
		assertThat(FailureClassifier.kindOf(403, new ProviderError(null, null, message, null), false)).isEqualTo(kind);
	}

	@ParameterizedTest(name = "error object with code {0} stands for {1}")
	@CsvSource(nullValues = "null",
			value = { "null, 429, 429", "null, 503, 503", "rate_limit_exceeded, null, 429",
					"insufficient_quota, null, 429", "context_length_exceeded, null, 400", "content_filter, null, 400",
					"invalid_api_key, null, 401", "model_not_found, null, 404", "server_error, null, 500",
					"something_new, null, 500", "502, null, 502", "null, null, 500" })
	void errorObjectCodeIsReadAsAStatus(String code, Integer numeric, int status) {
		assertThat(FailureClassifier.statusOfErrorObject(new ProviderError(code, null, "m", numeric)))
			.isEqualTo(status);
	}

	@ParameterizedTest(name = "error object with code {0} is {1}")
	@CsvSource({ "insufficient_quota, QUOTA_EXHAUSTED", "context_length_exceeded, CONTEXT_LENGTH",
			"rate_limit_exceeded, RATE_LIMITED", "content_filter, CONTENT_FILTER" })
	void errorObjectIsClassifiedAsIfItArrivedAsThatStatus(String code, FailureKind kind) {
		ProviderError error = new ProviderError(code, null, "m", null);
		assertThat(FailureClassifier.kindOf(FailureClassifier.statusOfErrorObject(error), error, false))
			.isEqualTo(kind);
	}

	@ParameterizedTest(name = "{0} {1}/{2} \"{3}\" (server wait: {4}) is {5}")
	@CsvSource(delimiter = '|', nullValues = "null", value = {
			"400|null|invalid_request_error|prompt is too long: 205351 tokens > 200000 maximum|false|CONTEXT_LENGTH",
			"400|null|null|This model's maximum context length is 4097 tokens.|false|CONTEXT_LENGTH",
			"400|null|null|The input token count (3475108) exceeds the maximum number of tokens allowed (1048576).|false|CONTEXT_LENGTH",
			"400|null|exceed_context_size_error|the request exceeds the available context size|false|CONTEXT_LENGTH",
			"400|null|null|Trying to keep the first 15857 tokens when context the overflows.|false|CONTEXT_LENGTH",
			"413|null|null|Request too large for model `llama3` on tokens per minute|false|CONTEXT_LENGTH",
			"413|null|null|Request Entity Too Large|false|BAD_REQUEST",
			"429|rate_limit_exceeded|tokens|Request too large for gpt-4o in organization org-x|false|CONTEXT_LENGTH",
			"500|null|null|Context size has been exceeded.|false|CONTEXT_LENGTH",
			"500|context_length_exceeded|null|m|false|CONTEXT_LENGTH",
			"500|null|null|Internal error|false|SERVER_ERROR",
			"400|null|null|The decoder prompt (length 5000) is longer than the maximum model length of 4096.|false|CONTEXT_LENGTH",
			"400|null|null|The input (9000 tokens) is longer than the model's context length (8192 tokens).|false|CONTEXT_LENGTH",
			"422|null|null|Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4097. Given: 4000|false|CONTEXT_LENGTH",
			"400|null|null|Requested tokens (516) exceed context window of 512|false|CONTEXT_LENGTH",
			"500|null|null|context deadline exceeded|false|SERVER_ERROR",
			"400|null|null|Post \"http://runner/completion\": context deadline exceeded|false|BAD_REQUEST",
			"400|null|null|max_tokens: 10000 > 4096, which is the maximum allowed number of output tokens|false|BAD_REQUEST",
			"400|null|invalid_request_error|Your credit balance is too low to access the API.|false|QUOTA_EXHAUSTED",
			"403|null|null|You have reached your spend limit|false|QUOTA_EXHAUSTED",
			"400|billing_error|null|m|false|QUOTA_EXHAUSTED",
			"429|null|null|You exceeded your current quota, please check your plan|false|QUOTA_EXHAUSTED",
			"429|null|null|You exceeded your current quota, please check your plan|true|RATE_LIMITED",
			"429|null|null|Resource has been exhausted (e.g. check quota).|false|RATE_LIMITED",
			"429|insufficient_quota|null|m|true|QUOTA_EXHAUSTED",
			"429|1300|rate_limited|Rate limit exceeded|false|RATE_LIMITED",
			"400|invalid_prompt|invalid_request_error|Invalid prompt: flagged|false|CONTENT_FILTER",
			"400|content_policy_violation|null|m|false|CONTENT_FILTER",
			"403|null|null|Your input was flagged|false|CONTENT_FILTER",
			"400|null|null|mentions moderation|false|BAD_REQUEST", "400|model_not_found|null|m|false|NOT_FOUND",
			"403|model_not_found|null|m|false|NOT_FOUND", "422|model_not_found|null|m|false|NOT_FOUND",
			"400|model_not_available|null|m|false|NOT_FOUND",
			"400|null|null|No models loaded. Please load a model|false|NOT_FOUND",
			"400|null|null|The model `qwen` does not exist.|false|NOT_FOUND",
			"400|null|null|max_tokens must be at least 1, got -186.|false|BAD_REQUEST",
			"422|null|null|Unprocessable|false|BAD_REQUEST", "401|null|null|Invalid key|false|AUTH",
			"529|null|overloaded_error|Overloaded|false|SERVER_ERROR",
			"524|null|null|A timeout occurred|false|SERVER_ERROR" })
	void theWholeAnswerDecidesWhereStatusAndCodeDoNotSayEnough(int status, String code, String type, String message,
			boolean serverWait, FailureKind kind) {
		assertThat(FailureClassifier.kindOf(status, new ProviderError(code, type, message, null), serverWait))
			.isEqualTo(kind);
	}

	@Test
	void azuresInnerErrorNamesAContentFilter() {
		ProviderError error = new ProviderError(null, null, "m", 400, null, List.of("ResponsibleAIPolicyViolation"),
				null);
		assertThat(FailureClassifier.kindOf(400, error, false)).isEqualTo(FailureKind.CONTENT_FILTER);
	}

	@ParameterizedTest(name = "status word {0} stands for {1}")
	@CsvSource({ "RESOURCE_EXHAUSTED, 429", "UNAVAILABLE, 503", "INVALID_ARGUMENT, 400", "NOT_FOUND, 404",
			"PERMISSION_DENIED, 403", "UNAUTHENTICATED, 401" })
	void googleStatusWordsStandForTheirStatus(String word, int status) {
		assertThat(
				FailureClassifier.statusOfErrorObject(new ProviderError(null, null, "m", null, word, List.of(), null)))
			.isEqualTo(status);
	}

	@ParameterizedTest(name = "error object {0}/{1} stands for {2}")
	@CsvSource(nullValues = "null",
			value = { "null, overloaded_error, 529", "null, api_error, 500", "1300, rate_limited, 429",
					"1300, null, 500", "server_error, null, 500", "null, BadRequestError, 400",
					"invalid_prompt, invalid_request_error, 400", "null, exceed_context_size_error, 400" })
	void errorObjectTypesStandForTheirStatus(String code, String type, int status) {
		assertThat(FailureClassifier.statusOfErrorObject(new ProviderError(code, type, "m", null))).isEqualTo(status);
	}

	@Test
	void serverWaitsComeInTheOrderOfTheDesign() {
		Instant now = Instant.parse("2025-01-01T00:00:00Z");
		FailureClassifier classifier = new FailureClassifier(ProviderSettings.of("p", "http://localhost/v1", null),
				Clock.fixed(now, ZoneOffset.UTC));
		ProviderError retryInfo = new ProviderError(null, null, "m", 429, null, List.of(), Duration.ofSeconds(26));
		HttpHeaders all = new HttpHeaders();
		all.set("retry-after-ms", "1500");
		all.set("Retry-After", "3");
		all.set("x-ratelimit-remaining-requests", "0");
		all.set("x-ratelimit-reset-requests", "6m0s");
		assertThat(classifier.serverWait(429, all, retryInfo)).isEqualTo(Duration.ofMillis(1500));
		all.remove("retry-after-ms");
		assertThat(classifier.serverWait(429, all, retryInfo)).isEqualTo(Duration.ofSeconds(3));
		all.set("Retry-After", "Wed, 01 Jan 2025 00:00:09 GMT");
		assertThat(classifier.serverWait(429, all, retryInfo)).isEqualTo(Duration.ofSeconds(9));
		all.remove("Retry-After");
		assertThat(classifier.serverWait(429, all, retryInfo)).isEqualTo(Duration.ofSeconds(26));
		assertThat(classifier.serverWait(429, all, ProviderError.NONE)).isEqualTo(Duration.ofMinutes(6));
		// The reset of an exhausted limit is a wait only for a 429.
		assertThat(classifier.serverWait(503, all, ProviderError.NONE)).isNull();
		all.set("x-ratelimit-remaining-requests", "3");
		assertThat(classifier.serverWait(429, all, ProviderError.NONE)).isNull();
	}

	@Test
	void aRequestThatCouldNotBeSentForAReasonNoRuleNamesIsAConnectionFailure() {
		FailureClassifier classifier = new FailureClassifier(
				ProviderSettings.of("openai", "http://127.0.0.1:9/v1", null), Clock.systemUTC());
		ExchangeState exchange = new ExchangeState("gpt-4o", true, null, null);
		// Seen when a pooled connection was closed as it was handed to a request.
		WebClientRequestException failure = new WebClientRequestException(new NotYetConnectedException(),
				HttpMethod.POST, URI.create("http://127.0.0.1:9/v1/chat/completions"), new HttpHeaders());
		assertThat(classifier.ofException(failure, exchange)).isInstanceOfSatisfying(LlmException.class, (llm) -> {
			assertThat(llm.kind()).isEqualTo(FailureKind.CONNECTION);
			assertThat(llm.requestSent()).isFalse();
			assertThat(llm.getMessage()).contains("NotYetConnectedException");
		});
	}

	@Test
	void anExceptionThatIsNoTransportFailurePassesThrough() {
		FailureClassifier classifier = new FailureClassifier(
				ProviderSettings.of("openai", "http://127.0.0.1:9/v1", null), Clock.systemUTC());
		IllegalArgumentException own = new IllegalArgumentException("the application's own");
		assertThat(classifier.ofException(own, new ExchangeState("gpt-4o", true, null, null))).isSameAs(own);
	}

}
