package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

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

	@ParameterizedTest(name = "code {0} is read as {1}")
	@CsvSource(delimiter = '|',
			value = { "429|429|429", "\"429\"|429|429", "\"rate_limit_exceeded\"|rate_limit_exceeded|", "429.0|429|",
					"\"1300\"|1300|1300", "null||", "{}||", "\" \"||" })
	void codeIsReadAsJsonWhateverItsType(String json, String code, Integer numeric) {
		ProviderError error = read("{\"error\":{\"message\":\"m\",\"code\":" + json + "}}");
		assertThat(error.code()).isEqualTo(code);
		assertThat(error.numericCode()).isEqualTo(numeric);
	}

	/**
	 * Each provider's shape of an error body, read in full, and the code it reports: the
	 * {@code code}, else the {@code type}.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("bodies")
	void eachShapeIsReadInFull(String name, String body, ProviderError expected, @Nullable String reportedCode) {
		ProviderError error = read(body);
		assertThat(error).isEqualTo(expected);
		assertThat(error.reportedCode()).isEqualTo(reportedCode);
	}

	static Stream<Arguments> bodies() {
		return Stream.of(arguments("OpenAI's shape",
				"{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"c\"}}",
				error("c", "invalid_request_error", "m", null, null, List.of()), "c"),
				arguments("a plain-text error", "{\"error\":\"model 'llama3' not found, try pulling it first\"}",
						error(null, null, "model 'llama3' not found, try pulling it first", null, null, List.of()),
						null),
				arguments("a plain-text error beside a message takes the message",
						"{\"status\":429,\"error\":\"Too Many Requests\",\"message\":\"Slow down\"}",
						error(null, null, "Slow down", 429, null, List.of()), null),
				arguments("an array of errors takes the first",
						"[{\"error\":{\"code\":503,\"message\":\"first\",\"status\":\"UNAVAILABLE\"}},{\"error\":{\"message\":\"second\"}}]",
						error("503", null, "first", 503, "UNAVAILABLE", List.of()), "503"),
				arguments("Anthropic's shape",
						"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"m\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}",
						error(null, "rate_limit_error", "m", null, null, List.of("enforced_spend_limit_reached")),
						"rate_limit_error"),
				arguments("vLLM's shape",
						"{\"object\":\"error\",\"message\":\"m\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
						error("400", "BadRequestError", "m", 400, null, List.of()), "400"),
				arguments("a message alone", "{\"message\":\"Requests rate limit exceeded\"}",
						error(null, null, "Requests rate limit exceeded", null, null, List.of()), null),
				arguments("a detail alone", "{\"detail\":\"Not Found\"}",
						error(null, null, "Not Found", null, null, List.of()), null),
				// A numeric status beside a word code stands for the status.
				arguments("Azure's inner error is a detail code",
						"{\"error\":{\"message\":\"m\",\"code\":\"content_filter\",\"status\":400,"
								+ "\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\"}}}",
						error("content_filter", null, "m", 400, null, List.of("ResponsibleAIPolicyViolation")),
						"content_filter"),
				arguments("OpenRouter's upstream error as JSON text says more than the outer one",
						"{\"error\":{\"message\":\"Provider returned error\",\"code\":429,\"metadata\":{"
								+ "\"raw\":\"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}\","
								+ "\"provider_name\":\"Anthropic\"}}}",
						error(null, "overloaded_error", "Overloaded", 429, null, List.of()), "overloaded_error"),
				arguments("OpenRouter's upstream error as plain text is its message",
						"{\"error\":{\"message\":\"Provider returned error\",\"code\":429,"
								+ "\"metadata\":{\"raw\":\"error code: 1015\",\"provider_name\":\"Kluster\"}}}",
						error("429", null, "error code: 1015", 429, null, List.of()), "429"));
	}

	private static ProviderError error(@Nullable String code, @Nullable String type, String message,
			@Nullable Integer numericCode, @Nullable String status, List<String> detailCodes) {
		return new ProviderError(code, type, message, numericCode, status, detailCodes, null);
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
