package io.github.llmresilience.support;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The engine's time: the clock that times waits, cooldowns, circuits' open state, retry
 * budgets' windows and deadlines, and the source of the jitter that spreads waits. One
 * value, so that a test fixes both in one place.
 *
 * @param clock the clock
 * @param random the source of jitter
 */
public record EngineTime(Clock clock, RandomGenerator random) {

	/**
	 * Return the system's UTC clock and a thread-local random source.
	 * @return the time of an application that fixes neither
	 */
	public static EngineTime system() {
		return new EngineTime(Clock.systemUTC(), () -> ThreadLocalRandom.current().nextLong());
	}

}
