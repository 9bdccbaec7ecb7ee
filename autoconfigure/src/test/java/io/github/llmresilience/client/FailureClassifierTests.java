package io.github.llmresilience.client;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.llmresilience.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;

class FailureClassifierTests {

	@ParameterizedTest(name = "{0} with code {1} is {3}")
	@CsvSource(nullValues = "null", value = {
			"429, null, null, RATE_LIMITED",
			"429, rate_limit_exceeded, null, RATE_LIMITED",
			"429, insufficient_quota, null, QUOTA_EXHAUSTED",
			"429, null, insufficient_quota, QUOTA_EXHAUSTED",
			"402, null, null, QUOTA_EXHAUSTED",
			"500, null, null, SERVER_ERROR",
			"502, null, null, SERVER_ERROR",
			"503, null, null, SERVER_ERROR",
			"504, null, null, SERVER_ERROR",
			"529, null, null, SERVER_ERROR",
			"599, null, null, SERVER_ERROR",
			"408, null, null, TIMEOUT",
			"409, null, null, CONFLICT",
			"401, invalid_api_key, null, AUTH",
			"403, null, permission_denied, AUTH",
			"404, model_not_found, null, NOT_FOUND",
			"400, context_length_exceeded, invalid_request_error, CONTEXT_LENGTH",
			"400, content_filter, null, CONTENT_FILTER",
			"400, null, invalid_request_error, BAD_REQUEST",
			"422, null, null, BAD_REQUEST",
			"413, null, null, BAD_REQUEST",
			"418, null, null, BAD_REQUEST",
			"302, null, null, MALFORMED_RESPONSE" })
	void statusAndCodeGiveExactlyOneKind(int status, String code, String type, FailureKind kind) {
		assertThat(FailureClassifier.kindOf(status, new ProviderError(code, type, "message", null), false)).isEqualTo(kind);
	}

	@ParameterizedTest(name = "403 saying {0} is {1}")
	@CsvSource({ "Your request was flagged by our moderation system, CONTENT_FILTER",
			"You do not have access to this model, AUTH" })
	void forbiddenNamingModerationIsContentFilter(String message, FailureKind kind) {
		assertThat(FailureClassifier.kindOf(403, new ProviderError(null, null, message, null), false)).isEqualTo(kind);
	}

	@ParameterizedTest(name = "error object with code {0} stands for {1}")
	@CsvSource(nullValues = "null", value = { "null, 429, 429", "null, 503, 503", "rate_limit_exceeded, null, 429",
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
		assertThat(FailureClassifier.kindOf(FailureClassifier.statusOfErrorObject(error), error, false)).isEqualTo(kind);
	}

}
