package io.github.llmresilience.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until the test moves it. Given to the starter as its
 * {@code llmClock} bean, it decides when a circuit's open state, a {@code Retry-After}
 * cooldown, a used-up rate limit or a retry budget's window ends, so a test of a
 * two-minute cooldown takes no two minutes. Safe to read and move from any thread.
 */
public final class TestClock extends Clock {

	private final AtomicReference<Instant> now;

	private final ZoneId zone;

	/**
	 * Create a clock standing at {@code 2026-01-01T00:00:00Z}.
	 */
	public TestClock() {
		this(Instant.parse("2026-01-01T00:00:00Z"));
	}

	/**
	 * Create a clock standing at the given instant.
	 * @param now the instant
	 */
	public TestClock(Instant now) {
		this(new AtomicReference<>(now), ZoneOffset.UTC);
	}

	private TestClock(AtomicReference<Instant> now, ZoneId zone) {
		this.now = now;
		this.zone = zone;
	}

	/**
	 * Move the clock on.
	 * @param duration how far
	 */
	public void advance(Duration duration) {
		this.now.updateAndGet((instant) -> instant.plus(duration));
	}

	// NullAway takes AtomicReference.get() as @Nullable; this one is created with an
	// instant and only ever moved on, never cleared.
	@SuppressWarnings("NullAway")
	@Override
	public Instant instant() {
		return this.now.get();
	}

	@Override
	public ZoneId getZone() {
		return this.zone;
	}

	/**
	 * Return this clock in another zone: the two share their time, and either moves both.
	 * @param zone the zone
	 * @return the clock
	 */
	@Override
	public TestClock withZone(ZoneId zone) {
		return new TestClock(this.now, zone);
	}

}
