package io.github.llmresilience.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTests {

	private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

	@Test
	void retryAfterMsIsReadInMilliseconds() {
		assertThat(RetryAfter.parse("1500", null, NOW)).isEqualTo(Duration.ofMillis(1500));
	}

	@Test
	void retryAfterMsMayHaveAFraction() {
		assertThat(RetryAfter.parse("20.5", null, NOW)).isEqualTo(Duration.ofMillis(20).plusNanos(500_000));
	}

	@Test
	void retryAfterMsWinsOverRetryAfter() {
		assertThat(RetryAfter.parse("250", "7", NOW)).isEqualTo(Duration.ofMillis(250));
	}

	@Test
	void unusableRetryAfterMsFallsBackToRetryAfter() {
		assertThat(RetryAfter.parse("soon", "2", NOW)).isEqualTo(Duration.ofSeconds(2));
		assertThat(RetryAfter.parse("0", "2", NOW)).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void retryAfterDeltaSecondsIsReadInSeconds() {
		assertThat(RetryAfter.parse(null, "120", NOW)).isEqualTo(Duration.ofSeconds(120));
		assertThat(RetryAfter.parse(null, " 3 ", NOW)).isEqualTo(Duration.ofSeconds(3));
	}

	@Test
	void retryAfterHttpDateIsReadAsTheTimeUntilThatDate() {
		String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(30).atZone(ZoneOffset.UTC));
		assertThat(RetryAfter.parse(null, date, NOW)).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void retryAfterObsoleteDateFormsAreAccepted() {
		assertThat(RetryAfter.parse(null, "Monday, 23-Nov-26 12:00:45 GMT", NOW)).isEqualTo(Duration.ofSeconds(45));
		assertThat(RetryAfter.parse(null, "Mon Nov 23 12:01:00 2026", NOW)).isEqualTo(Duration.ofSeconds(60));
		assertThat(RetryAfter.parse(null, "Mon Nov  2 12:00:00 2026", Instant.parse("2026-11-02T11:59:50Z")))
			.isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void zeroGivesNoWait() {
		assertThat(RetryAfter.parse("0", "0", NOW)).isNull();
	}

	@Test
	void negativeGivesNoWait() {
		assertThat(RetryAfter.parse("-5", "-1", NOW)).isNull();
	}

	@Test
	void dateInThePastGivesNoWait() {
		String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.minusSeconds(5).atZone(ZoneOffset.UTC));
		assertThat(RetryAfter.parse(null, date, NOW)).isNull();
	}

	@Test
	void unparseableValuesGiveNoWait() {
		assertThat(RetryAfter.parse("abc", "tomorrow", NOW)).isNull();
		assertThat(RetryAfter.parse("", "", NOW)).isNull();
		assertThat(RetryAfter.parse(null, "Fri, 99 Foo 2026 00:00:00 GMT", NOW)).isNull();
		assertThat(RetryAfter.parse("NaN", "Infinity", NOW)).isNull();
	}

	@Test
	void absentHeadersGiveNoWait() {
		assertThat(RetryAfter.parse(null, null, NOW)).isNull();
	}

	@Test
	void absurdlyLongWaitsAreCutToAYear() {
		assertThat(RetryAfter.parse(null, "99999999999999", NOW)).isEqualTo(Duration.ofDays(365));
		assertThat(RetryAfter.parse("1e300", null, NOW)).isEqualTo(Duration.ofDays(365));
	}

}
