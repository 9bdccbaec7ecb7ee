package io.github.llmresilience.benchmarks.load;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.testkit.FakeResponse;

/**
 * The answers of the soak's models ({@link Soak}): every fault the testkit has, each
 * drawn with its share, otherwise 200. A fault that only a stream can show (a stream cut
 * after its first chunks) has its non-streamed counterpart (a body cut short).
 */
final class SoakFaults {

	/**
	 * The size of an answer too large for the soak's {@code max-response-size} (16 KB):
	 * one word, so that a stream carries it in one event.
	 */
	static final int OVERSIZE_BYTES = 40 * 1024;

	/**
	 * How late the first chunk of a slow answer comes: past the hedge's delay, within the
	 * timeouts.
	 */
	static final Duration SLOW_FIRST_CHUNK = Duration.ofMillis(300);

	/**
	 * The faults and their shares, in the order they are drawn; the rest is 200.
	 */
	enum Fault {

		RATE_LIMITED_WITH_RETRY_AFTER(0.05), RATE_LIMITED_WITHOUT_RETRY_AFTER(0.05), SERVER_ERROR(0.05), RESET(0.04),
		HANG(0.03), MALFORMED(0.04), ERROR_IN_OK(0.04), STREAM_CUT(0.05), OVERSIZE(0.04), SLOW_FIRST_CHUNK(0.06);

		final double share;

		Fault(double share) {
			this.share = share;
		}

	}

	private final java.util.Set<Fault> drawn;

	/**
	 * Draw only some faults (the others are answered 200), to find which one a finding of
	 * the soak comes from.
	 * @param drawn the faults drawn
	 */
	SoakFaults(java.util.Set<Fault> drawn) {
		this.drawn = drawn;
	}

	/**
	 * Parse a list of faults: {@code all}, or names such as {@code reset,hang}.
	 * @param list the list
	 * @return the faults
	 */
	static java.util.Set<Fault> parse(String list) {
		java.util.Set<Fault> faults = java.util.EnumSet.noneOf(Fault.class);
		for (String name : list.split(",")) {
			if (name.isBlank()) {
				continue;
			}
			if (name.trim().equals("all")) {
				faults.addAll(java.util.EnumSet.allOf(Fault.class));
			}
			else {
				faults.add(Fault.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
			}
		}
		return faults;
	}

	private final FakeResponse ok = FakeResponse.ok("Hello from the soak");

	private final FakeResponse rateLimitedWithRetryAfter = FakeResponse.status(429).retryAfterMillis(100);

	private final FakeResponse rateLimitedWithoutRetryAfter = FakeResponse.error(429, "requests", "rate_limit_exceeded",
			"Rate limit reached for requests per minute. Please try again later.");

	private final FakeResponse serverError = FakeResponse.error(503, "server_error", null,
			"The server is temporarily unavailable");

	private final FakeResponse reset = FakeResponse.reset();

	private final FakeResponse hang = FakeResponse.hang();

	private final FakeResponse malformed = FakeResponse.malformed("{\"choices\": [");

	private final FakeResponse errorInOk = FakeResponse.errorInOk(503, "The server is overloaded");

	private final FakeResponse errorInStream = FakeResponse.ok("Hello from the soak")
		.errorAfter(0, 503, "The server is overloaded");

	private final FakeResponse streamCut = FakeResponse.ok("Hello from the soak, cut short").breakAfter(2);

	private final FakeResponse bodyCut = FakeResponse.truncatedBody();

	private final FakeResponse oversize = FakeResponse.stream("x".repeat(OVERSIZE_BYTES));

	private final FakeResponse slowFirstChunk = FakeResponse.ok("Hello from the soak, slowly").delay(SLOW_FIRST_CHUNK);

	/**
	 * The fault of a draw.
	 * @param draw a uniform number in [0, 1)
	 * @return the fault, or {@code null} for 200
	 */
	static @Nullable Fault fault(double draw) {
		double bound = 0;
		for (Fault fault : Fault.values()) {
			bound += fault.share;
			if (draw < bound) {
				return fault;
			}
		}
		return null;
	}

	/**
	 * The answer of a draw.
	 * @param draw a uniform number in [0, 1)
	 * @param streamed whether the request asked for a stream
	 * @return the answer
	 */
	FakeResponse answer(double draw, boolean streamed) {
		Fault fault = fault(draw);
		if (fault == null || !this.drawn.contains(fault)) {
			return this.ok;
		}
		return switch (fault) {
			case RATE_LIMITED_WITH_RETRY_AFTER -> this.rateLimitedWithRetryAfter;
			case RATE_LIMITED_WITHOUT_RETRY_AFTER -> this.rateLimitedWithoutRetryAfter;
			case SERVER_ERROR -> this.serverError;
			case RESET -> this.reset;
			case HANG -> this.hang;
			case MALFORMED -> this.malformed;
			case ERROR_IN_OK -> streamed ? this.errorInStream : this.errorInOk;
			case STREAM_CUT -> streamed ? this.streamCut : this.bodyCut;
			case OVERSIZE -> this.oversize;
			case SLOW_FIRST_CHUNK -> this.slowFirstChunk;
		};
	}

}
