package io.github.llmresilience.pacing;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * The engine's clock as bucket4j's time, so that a bucket (this instance's or the
 * fleet's) refills as the engine's (in tests, virtual) time passes.
 *
 * @param clock the engine's clock
 */
public record ClockTimeMeter(Clock clock) implements TimeMeter {

	@Override
	public long currentTimeNanos() {
		return TimeUnit.MILLISECONDS.toNanos(this.clock.millis());
	}

	@Override
	public boolean isWallClockBased() {
		return true;
	}

	/**
	 * Return 0 for tokens taken, else the nanoseconds until they are there, at least 1 (a
	 * token that is there again already is taken on the next try).
	 * @param probe what the bucket said
	 * @return the wait
	 */
	public static long nanosToWait(ConsumptionProbe probe) {
		return probe.isConsumed() ? 0L : Math.max(1, probe.getNanosToWaitForRefill());
	}

}
