package io.github.llmresilience.client;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.http.HttpHeaders;

import io.github.llmresilience.client.RateLimitHeaders.Limit;
import io.github.llmresilience.client.RateLimitHeaders.Snapshot;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitHeadersTests {

	private static final Instant NOW = Instant.parse("2025-06-02T15:14:32Z");

	@ParameterizedTest(name = "{0} is {1}ms")
	@CsvSource({ "20ms, 20", "1s, 1000", "1.984s, 1984", "6m0s, 360000", "2m59.56s, 179560", "9m38.016s, 578016",
			"1h2m3s, 3723000", "7.66s, 7660", "0s, 0", "60, 60000", "0.5, 500", "1h, 3600000" })
	void durationsAsOpenAiGroqAndAzureWriteThem(String value, long millis) {
		assertThat(RateLimitHeaders.duration(value)).isEqualTo(Duration.ofMillis(millis));
	}

	@ParameterizedTest(name = "{0} is ignored")
	@CsvSource({ "soon", "-1", "1x", "s", "m5", "1s2", "''" })
	void badDurationsAreIgnored(String value) {
		assertThat(RateLimitHeaders.duration(value)).isNull();
	}

	@Test
	void openAiHeaders() {
		HttpHeaders headers = headers("x-ratelimit-limit-requests", "500", "x-ratelimit-remaining-requests", "0",
				"x-ratelimit-reset-requests", "120ms", "x-ratelimit-limit-tokens", "30000",
				"x-ratelimit-remaining-tokens", "29996", "x-ratelimit-reset-tokens", "8ms");
		Snapshot snapshot = RateLimitHeaders.parse(headers, NOW);
		assertThat(snapshot.requests()).isEqualTo(new Limit(500L, 0L, NOW.plusMillis(120)));
		assertThat(snapshot.tokens()).isEqualTo(new Limit(30000L, 29996L, NOW.plusMillis(8)));
		assertThat(snapshot.exhausted()).containsExactly(snapshot.requests());
		assertThat(snapshot.exhaustedUntil(NOW)).isEqualTo(NOW.plusMillis(120));
	}

	@Test
	void azureMinusOneIsUnknownAndSecondsArePlain() {
		HttpHeaders headers = headers("x-ratelimit-limit-tokens", "-1", "x-ratelimit-remaining-tokens", "-1",
				"x-ratelimit-reset-tokens", "0", "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests",
				"7");
		Snapshot snapshot = RateLimitHeaders.parse(headers, NOW);
		assertThat(snapshot.tokens()).isEqualTo(new Limit(null, null, NOW));
		assertThat(snapshot.exhaustedUntil(NOW)).isEqualTo(NOW.plusSeconds(7));
	}

	@Test
	void anthropicInstantsAndTheLatestExhaustedResetWins() {
		HttpHeaders headers = headers("anthropic-ratelimit-requests-limit", "4000",
				"anthropic-ratelimit-requests-remaining", "4000", "anthropic-ratelimit-requests-reset",
				"2025-06-02T15:14:45Z", "anthropic-ratelimit-input-tokens-remaining", "0",
				"anthropic-ratelimit-input-tokens-reset", "2025-06-02T15:15:48Z",
				"anthropic-ratelimit-output-tokens-remaining", "0", "anthropic-ratelimit-output-tokens-reset",
				"2025-06-02T15:14:40+00:00");
		Snapshot snapshot = RateLimitHeaders.parse(headers, NOW);
		assertThat(snapshot.requests().remaining()).isEqualTo(4000L);
		assertThat(snapshot.inputTokens().reset()).isEqualTo(Instant.parse("2025-06-02T15:15:48Z"));
		assertThat(snapshot.exhaustedUntil(NOW)).isEqualTo(Instant.parse("2025-06-02T15:15:48Z"));
	}

	@Test
	void anExhaustedLimitWhoseResetHasPassedStopsNothing() {
		HttpHeaders headers = headers("anthropic-ratelimit-requests-remaining", "0",
				"anthropic-ratelimit-requests-reset", "2025-06-02T15:00:00Z");
		assertThat(RateLimitHeaders.parse(headers, NOW).exhaustedUntil(NOW)).isNull();
	}

	@Test
	void unreadableValuesAreLeftOutNeverAnError() {
		HttpHeaders headers = headers("x-ratelimit-limit-requests", "lots", "x-ratelimit-remaining-requests", "0",
				"x-ratelimit-reset-requests", "tomorrow", "anthropic-ratelimit-tokens-reset", "2025-13-45T99:00:00Z");
		Snapshot snapshot = RateLimitHeaders.parse(headers, NOW);
		assertThat(snapshot.requests()).isEqualTo(new Limit(null, 0L, null));
		assertThat(snapshot.tokens().isEmpty()).isTrue();
		assertThat(snapshot.exhaustedUntil(NOW)).isNull();
	}

	@Test
	void noHeadersNoLimits() {
		Snapshot snapshot = RateLimitHeaders.parse(new HttpHeaders(), NOW);
		assertThat(snapshot.requests().isEmpty()).isTrue();
		assertThat(snapshot.exhausted()).isEmpty();
	}

	/**
	 * Headers from names and values, in pairs.
	 */
	private static HttpHeaders headers(String... namesAndValues) {
		HttpHeaders headers = new HttpHeaders();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.set(namesAndValues[i], namesAndValues[i + 1]);
		}
		return headers;
	}

}
