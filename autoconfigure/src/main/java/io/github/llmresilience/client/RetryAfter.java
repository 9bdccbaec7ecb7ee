package io.github.llmresilience.client;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Reads the wait a server asks for: {@code retry-after-ms} in milliseconds (OpenAI's
 * header), else {@code Retry-After} as delta-seconds or an HTTP-date (RFC 9110:
 * IMF-fixdate, RFC 850 and asctime forms). A value of zero, a date in the past or a value
 * that cannot be parsed gives no wait, so the policy's backoff applies.
 */
final class RetryAfter {

	/**
	 * The header OpenAI sends with the wait in milliseconds.
	 */
	public static final String RETRY_AFTER_MS = "retry-after-ms";

	/**
	 * The standard header.
	 */
	public static final String RETRY_AFTER = "Retry-After";

	// Longer waits are cut here so arithmetic never overflows; max-retry-after rejects
	// them anyway.
	private static final Duration LONGEST = Duration.ofDays(365);

	private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder().parseCaseInsensitive()
		.appendPattern("EEEE, dd-MMM-")
		.appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
		.appendPattern(" HH:mm:ss 'GMT'")
		.toFormatter(Locale.US);

	private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
		.appendPattern("EEE MMM")
		.appendLiteral(' ')
		.optionalStart()
		.appendLiteral(' ')
		.optionalEnd()
		.appendPattern("d HH:mm:ss yyyy")
		.toFormatter(Locale.US);

	private RetryAfter() {
	}

	/**
	 * Return the wait the server asked for.
	 * @param retryAfterMs the {@code retry-after-ms} header, or {@code null}
	 * @param retryAfter the {@code Retry-After} header, or {@code null}
	 * @param now the current instant, for HTTP-dates
	 * @return the wait, or {@code null} if the server asked for none that can be used
	 */
	public static @Nullable Duration parse(@Nullable String retryAfterMs, @Nullable String retryAfter, Instant now) {
		Duration wait = parseMillis(retryAfterMs);
		return (wait != null) ? wait : parseRetryAfter(retryAfter, now);
	}

	static @Nullable Duration parseMillis(@Nullable String value) {
		Double millis = parseNumber(value);
		if (millis == null || millis <= 0) {
			return null;
		}
		return cap(Duration.ofNanos(Math.round(Math.min(millis, LONGEST.toMillis()) * 1_000_000)));
	}

	static @Nullable Duration parseRetryAfter(@Nullable String value, Instant now) {
		if (value == null || value.isBlank()) {
			return null;
		}
		Double seconds = parseNumber(value);
		if (seconds != null) {
			if (seconds <= 0) {
				return null;
			}
			return cap(Duration.ofMillis(Math.round(Math.min(seconds, LONGEST.toSeconds()) * 1000)));
		}
		Instant date = parseDate(value.trim());
		if (date == null || !date.isAfter(now)) {
			return null;
		}
		return cap(Duration.between(now, date));
	}

	private static @Nullable Double parseNumber(@Nullable String value) {
		if (value == null) {
			return null;
		}
		String trimmed = value.trim();
		if (trimmed.isEmpty() || !Character.isDigit(trimmed.charAt(0)) && trimmed.charAt(0) != '-') {
			return null;
		}
		try {
			double number = Double.parseDouble(trimmed);
			return (Double.isFinite(number)) ? number : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static @Nullable Instant parseDate(String value) {
		try {
			return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
		}
		catch (DateTimeParseException ex) {
			// Try the obsolete forms a recipient must still accept.
		}
		try {
			return LocalDateTime.parse(value, RFC_850).toInstant(ZoneOffset.UTC);
		}
		catch (DateTimeParseException ex) {
			// Try asctime.
		}
		try {
			return LocalDateTime.parse(value, ASCTIME).toInstant(ZoneOffset.UTC);
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	private static Duration cap(Duration wait) {
		return (wait.compareTo(LONGEST) > 0) ? LONGEST : wait;
	}

}
