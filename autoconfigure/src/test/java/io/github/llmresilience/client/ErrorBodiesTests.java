package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every body shape of the Providers section of docs/reference/behaviour.md is read into
 * the same description of an error, and nothing a body holds makes reading it throw. The
 * bodies here are written for the rule they test; the real answers are in
 * {@link ProviderCatalogueTests}.
 */
class ErrorBodiesTests {

	private static ProviderError read(String body) {
		return ErrorBodies.read(body.getBytes(StandardCharsets.UTF_8), null);
	}

	@Test
	void openAiShape() {
		ProviderError error = read(
				"{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"c\"}}");
		assertThat(error.code()).isEqualTo("c");
		assertThat(error.type()).isEqualTo("invalid_request_error");
		assertThat(error.message()).isEqualTo("m");
		assertThat(error.numericCode()).isNull();
	}

	@ParameterizedTest(name = "code {0} is read as {1}")
	@CsvSource(delimiter = '|',
			value = { "429|429|429", "\"429\"|429|429", "\"rate_limit_exceeded\"|rate_limit_exceeded|", "429.0|429|",
					"\"1300\"|1300|1300", "null||", "{}||", "\" \"||" })
	void codeIsReadAsJsonWhateverItsType(String json, String code, Integer numeric) {
		ProviderError error = read("{\"error\":{\"message\":\"m\",\"code\":" + json + "}}");
		assertThat(error.code()).isEqualTo(code);
		assertThat(error.numericCode()).isEqualTo(numeric);
	}

	@Test
	void plainTextError() {
		ProviderError error = read("{\"error\":\"model 'llama3' not found, try pulling it first\"}");
		assertThat(error.message()).isEqualTo("model 'llama3' not found, try pulling it first");
		assertThat(error.code()).isNull();
	}

	@Test
	void plainTextErrorBesideAMessageTakesTheMessage() {
		ProviderError error = read("{\"status\":429,\"error\":\"Too Many Requests\",\"message\":\"Slow down\"}");
		assertThat(error.message()).isEqualTo("Slow down");
		assertThat(error.numericCode()).isEqualTo(429);
	}

	@Test
	void arrayOfErrorsTakesTheFirst() {
		ProviderError error = read(
				"[{\"error\":{\"code\":503,\"message\":\"first\",\"status\":\"UNAVAILABLE\"}},{\"error\":{\"message\":\"second\"}}]");
		assertThat(error.message()).isEqualTo("first");
		assertThat(error.numericCode()).isEqualTo(503);
		assertThat(error.status()).isEqualTo("UNAVAILABLE");
	}

	@Test
	void anthropicShape() {
		ProviderError error = read(
				"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"m\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}");
		assertThat(error.type()).isEqualTo("rate_limit_error");
		assertThat(error.reportedCode()).isEqualTo("rate_limit_error");
		assertThat(error.detailCodes()).containsExactly("enforced_spend_limit_reached");
	}

	@Test
	void vllmShapeAndMessageAlone() {
		ProviderError vllm = read(
				"{\"object\":\"error\",\"message\":\"m\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
		assertThat(vllm.message()).isEqualTo("m");
		assertThat(vllm.numericCode()).isEqualTo(400);
		assertThat(read("{\"message\":\"Requests rate limit exceeded\"}").message())
			.isEqualTo("Requests rate limit exceeded");
		assertThat(read("{\"detail\":\"Not Found\"}").message()).isEqualTo("Not Found");
	}

	@Test
	void azureInnerErrorIsADetailCode() {
		ProviderError error = read("{\"error\":{\"message\":\"m\",\"code\":\"content_filter\",\"status\":400,"
				+ "\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\"}}}");
		assertThat(error.detailCodes()).containsExactly("ResponsibleAIPolicyViolation");
		// A numeric status beside a word code stands for the status.
		assertThat(error.numericCode()).isEqualTo(400);
	}

	@Test
	void openRouterUpstreamErrorAsJsonTextSaysMoreThanTheOuterOne() {
		ProviderError error = read("{\"error\":{\"message\":\"Provider returned error\",\"code\":429,\"metadata\":{"
				+ "\"raw\":\"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}\","
				+ "\"provider_name\":\"Anthropic\"}}}");
		assertThat(error.message()).isEqualTo("Overloaded");
		assertThat(error.type()).isEqualTo("overloaded_error");
		assertThat(error.numericCode()).isEqualTo(429);
	}

	@Test
	void openRouterUpstreamErrorAsPlainTextIsItsMessage() {
		ProviderError error = read("{\"error\":{\"message\":\"Provider returned error\",\"code\":429,"
				+ "\"metadata\":{\"raw\":\"error code: 1015\",\"provider_name\":\"Kluster\"}}}");
		assertThat(error.message()).isEqualTo("error code: 1015");
		assertThat(error.code()).isEqualTo("429");
	}

	@Test
	void googleRetryInfoIsReadAsAWait() {
		String body = "{\"error\":{\"code\":429,\"message\":\"m\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
				+ "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"%s\"}]}}";
		assertThat(read(body.formatted("26s")).retryDelay()).isEqualTo(Duration.ofSeconds(26));
		assertThat(read(body.formatted("0.5s")).retryDelay()).isEqualTo(Duration.ofMillis(500));
		assertThat(read(body.formatted("45.837906927s")).retryDelay()).isEqualTo(Duration.ofNanos(45_837_906_927L));
		assertThat(read(body.formatted("soon")).retryDelay()).isNull();
		assertThat(read(body.formatted("-3s")).retryDelay()).isNull();
	}

	@Test
	void htmlPageIsSummarisedToItsTitleOrItsText() {
		assertThat(read("<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>").message())
			.isEqualTo("502 Bad Gateway");
		assertThat(
				read("<html><body><h1>503 Service Unavailable</h1>\nNo server is available.\n</body></html>").message())
			.isEqualTo("503 Service Unavailable No server is available.");
	}

	@Test
	void longTextIsShortened() {
		assertThat(read("x".repeat(5000)).message()).hasSize(303).endsWith("...");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "", "   ", "null", "42", "\"text\"", "[]", "{}", "{\"error\":null}", "{\"error\":42}",
			"{\"error\":{}}", "{\"error\":[1,2]}", "{\"error\":{\"message\":{\"nested\":true}}}", "{not json",
			"\u0000\u0001binary", "{\"error\":{\"metadata\":{\"raw\":\"{broken\"}}}" })
	void nothingABodyHoldsMakesReadingItThrow(String body) {
		ProviderError error = read(body);
		assertThat(error).isNotNull();
	}

	@Test
	void charsetOfTheContentTypeIsUsedForText() {
		byte[] latin1 = "Fehler: Überlastung".getBytes(StandardCharsets.ISO_8859_1);
		assertThat(ErrorBodies.read(latin1, StandardCharsets.ISO_8859_1).message()).isEqualTo("Fehler: Überlastung");
	}

}
