package io.github.llmresilience.client;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * Reads the rate-limit headers of an answer, success or failure, into a {@link Snapshot}:
 * <ul>
 * <li>OpenAI, Groq and most compatible servers: {@code x-ratelimit-limit-requests},
 * {@code x-ratelimit-remaining-requests}, {@code x-ratelimit-reset-requests} and the same
 * for {@code tokens}, the reset as a duration such as {@code 20ms}, {@code 1s},
 * {@code 1.984s}, {@code 6m0s} or {@code 2m59.56s};</li>
 * <li>Azure OpenAI: the same names with the reset in plain seconds and {@code -1} for a
 * value that is not known;</li>
 * <li>Anthropic: {@code anthropic-ratelimit-requests-limit}, {@code -remaining} and
 * {@code -reset} for {@code requests}, {@code tokens}, {@code input-tokens} and
 * {@code output-tokens}, the reset as an RFC 3339 instant.</li>
 * </ul>
 * A value that cannot be read is left out; it is never an error.
 */
public final class RateLimitHeaders {

	private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|µs|ns)");

	private static final Duration LONGEST = Duration.ofDays(365);

	private static final String OPENAI_PREFIX = "x-ratelimit-";

	private static final String ANTHROPIC_PREFIX = "anthropic-ratelimit-";

	private static final Names OPENAI_REQUESTS = Names.of(OPENAI_PREFIX, "-requests");

	private static final Names OPENAI_TOKENS = Names.of(OPENAI_PREFIX, "-tokens");

	private static final Names ANTHROPIC_REQUESTS = Names.of(ANTHROPIC_PREFIX + "requests-", "");

	private static final Names ANTHROPIC_TOKENS = Names.of(ANTHROPIC_PREFIX + "tokens-", "");

	private static final Names ANTHROPIC_INPUT_TOKENS = Names.of(ANTHROPIC_PREFIX + "input-tokens-", "");

	private static final Names ANTHROPIC_OUTPUT_TOKENS = Names.of(ANTHROPIC_PREFIX + "output-tokens-", "");

	private static final Names[] ALL = { OPENAI_REQUESTS, OPENAI_TOKENS, ANTHROPIC_REQUESTS, ANTHROPIC_TOKENS,
			ANTHROPIC_INPUT_TOKENS, ANTHROPIC_OUTPUT_TOKENS };

	private RateLimitHeaders() {
	}

	/**
	 * Read the rate-limit headers of an answer.
	 * @param headers the answer's headers
	 * @param now the instant the answer arrived, from which durations count
	 * @return the snapshot; its limits are empty if the answer carries no such header
	 */
	public static Snapshot parse(HttpHeaders headers, Instant now) {
		if (!carriesLimits(headers)) {
			// Every answer is read: most carry no such header, and one pass over the
			// names is
			// cheaper than looking each of them up.
			return Snapshot.EMPTY;
		}
		Limit requests = limit(headers, OPENAI_REQUESTS, now).or(limit(headers, ANTHROPIC_REQUESTS, now));
		Limit tokens = limit(headers, OPENAI_TOKENS, now).or(limit(headers, ANTHROPIC_TOKENS, now));
		Limit inputTokens = limit(headers, ANTHROPIC_INPUT_TOKENS, now);
		Limit outputTokens = limit(headers, ANTHROPIC_OUTPUT_TOKENS, now);
		return new Snapshot(requests, tokens, inputTokens, outputTokens);
	}

	private static boolean carriesLimits(HttpHeaders headers) {
		// A lookup of each name the snapshot reads, in the connector's own headers:
		// headerNames() copies every name of the answer into a case-insensitive map.
		for (Names names : ALL) {
			if (headers.containsHeader(names.remaining()) || headers.containsHeader(names.reset())
					|| headers.containsHeader(names.limit())) {
				return true;
			}
		}
		return false;
	}

	private static Limit limit(HttpHeaders headers, Names names, Instant now) {
		Long limit = count(headers.getFirst(names.limit()));
		Long remaining = count(headers.getFirst(names.remaining()));
		Instant reset = reset(headers.getFirst(names.reset()), now);
		return new Limit(limit, remaining, reset);
	}

	/**
	 * The names of the three headers of one limit.
	 */
	private record Names(String limit, String remaining, String reset) {

		static Names of(String prefix, String suffix) {
			return new Names(prefix + "limit" + suffix, prefix + "remaining" + suffix, prefix + "reset" + suffix);
		}

	}

	/**
	 * A count; {@code -1} (Azure's "not known") and anything that is not a whole number
	 * give none.
	 */
	static @Nullable Long count(@Nullable String value) {
		if (value == null) {
			return null;
		}
		try {
			long count = Long.parseLong(value.strip());
			return (count >= 0) ? count : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * A reset: an RFC 3339 instant, a duration with units ({@code 6m0s}), or plain
	 * seconds.
	 */
	static @Nullable Instant reset(@Nullable String value, Instant now) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String text = value.strip();
		if (text.indexOf('T') > 0) {
			try {
				return OffsetDateTime.parse(text).toInstant();
			}
			catch (DateTimeParseException ex) {
				return null;
			}
		}
		Duration duration = duration(text);
		return (duration != null) ? now.plus(duration) : null;
	}

	/**
	 * A duration as OpenAI and Groq write it ({@code 20ms}, {@code 1.984s}, {@code 6m0s},
	 * {@code 1h2m3s}) or plain seconds as Azure writes it; negative or unreadable values
	 * give none.
	 */
	static @Nullable Duration duration(String value) {
		String text = value.strip().toLowerCase(Locale.ROOT);
		if (text.isEmpty()) {
			return null;
		}
		try {
			if (Character.isDigit(text.charAt(text.length() - 1))) {
				BigDecimal seconds = new BigDecimal(text);
				return (seconds.signum() < 0) ? null : cap(seconds.movePointRight(9));
			}
			Matcher part = DURATION_PART.matcher(text);
			BigDecimal nanos = BigDecimal.ZERO;
			int end = 0;
			while (part.lookingAt()) {
				nanos = nanos.add(new BigDecimal(part.group(1)).multiply(nanosPer(part.group(2))));
				end = part.end();
				part.region(end, text.length());
			}
			return (end == text.length()) ? cap(nanos) : null;
		}
		catch (NumberFormatException | ArithmeticException ex) {
			return null;
		}
	}

	private static BigDecimal nanosPer(String unit) {
		return switch (unit) {
			case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
			case "m" -> BigDecimal.valueOf(60_000_000_000L);
			case "s" -> BigDecimal.valueOf(1_000_000_000L);
			case "ms" -> BigDecimal.valueOf(1_000_000L);
			case "us", "µs" -> BigDecimal.valueOf(1_000L);
			default -> BigDecimal.ONE;
		};
	}

	private static Duration cap(BigDecimal nanos) {
		return (nanos.compareTo(BigDecimal.valueOf(LONGEST.toNanos())) > 0) ? LONGEST
				: Duration.ofNanos(nanos.longValue());
	}

	/**
	 * One limit: how many requests or tokens it allows, how many are left and when it
	 * resets.
	 *
	 * @param limit the limit, or {@code null} if not known
	 * @param remaining what is left, or {@code null} if not known
	 * @param reset when the limit is replenished, or {@code null} if not known
	 */
	public record Limit(@Nullable Long limit, @Nullable Long remaining, @Nullable Instant reset) {

		/**
		 * A limit nothing is known of.
		 */
		public static final Limit NONE = new Limit(null, null, null);

		/**
		 * Return whether nothing is known of this limit.
		 * @return whether the answer said nothing about it
		 */
		public boolean isEmpty() {
			return this.limit == null && this.remaining == null && this.reset == null;
		}

		/**
		 * Return whether the limit is used up.
		 * @return whether the remaining count is zero
		 */
		public boolean isExhausted() {
			return this.remaining != null && this.remaining == 0;
		}

		Limit or(Limit other) {
			return isEmpty() ? other : this;
		}

	}

	/**
	 * The rate limits an answer reported.
	 *
	 * @param requests the request limit
	 * @param tokens the token limit (for Anthropic, input and output tokens together)
	 * @param inputTokens Anthropic's input-token limit
	 * @param outputTokens Anthropic's output-token limit
	 */
	public record Snapshot(Limit requests, Limit tokens, Limit inputTokens, Limit outputTokens) {

		/**
		 * A snapshot of an answer that carries no rate-limit header.
		 */
		public static final Snapshot EMPTY = new Snapshot(Limit.NONE, Limit.NONE, Limit.NONE, Limit.NONE);

		/**
		 * Create a snapshot.
		 * @param requests the request limit
		 * @param tokens the token limit
		 * @param inputTokens the input-token limit
		 * @param outputTokens the output-token limit
		 */
		public Snapshot {
			Objects.requireNonNull(requests, "'requests' must not be null");
			Objects.requireNonNull(tokens, "'tokens' must not be null");
			Objects.requireNonNull(inputTokens, "'inputTokens' must not be null");
			Objects.requireNonNull(outputTokens, "'outputTokens' must not be null");
		}

		/**
		 * Return whether the answer said nothing about any limit.
		 * @return whether every limit is empty
		 */
		public boolean isEmpty() {
			return this.requests.isEmpty() && this.tokens.isEmpty() && this.inputTokens.isEmpty()
					&& this.outputTokens.isEmpty();
		}

		/**
		 * Return the limits that are used up and say when they reset.
		 * @return the exhausted limits
		 */
		public List<Limit> exhausted() {
			List<Limit> exhausted = new ArrayList<>();
			for (Limit limit : List.of(this.requests, this.tokens, this.inputTokens, this.outputTokens)) {
				if (limit.isExhausted() && limit.reset() != null) {
					exhausted.add(limit);
				}
			}
			return exhausted;
		}

		/**
		 * Return the instant until which a used-up limit stops new requests: the latest
		 * reset of the exhausted limits that lies after {@code now}.
		 * @param now the current instant
		 * @return the instant, or {@code null} if no limit is used up
		 */
		public @Nullable Instant exhaustedUntil(Instant now) {
			Instant until = null;
			for (Limit limit : exhausted()) {
				Instant reset = limit.reset();
				if (reset != null && reset.isAfter(now) && (until == null || reset.isAfter(until))) {
					until = reset;
				}
			}
			return until;
		}

	}

}
