package io.github.llmresilience.pacing;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import reactor.core.publisher.Mono;

/**
 * A declared token limit held by this instance, in a bucket4j {@link Bucket} (which,
 * unlike Resilience4j's {@code RateLimiter}, can give tokens back): it holds a minute's
 * tokens and refills them smoothly, so a limit of 60,000 per minute gives 1,000 back
 * every second.
 */
public final class LocalTokenLimiter implements TokenLimiter {

	private final Bucket bucket;

	private final long capacity;

	/**
	 * Create a limiter.
	 * @param tokensPerMinute the limit, at least 1
	 * @param clock the clock the bucket refills with
	 */
	public LocalTokenLimiter(long tokensPerMinute, Clock clock) {
		this.capacity = tokensPerMinute;
		this.bucket = Bucket.builder()
			.addLimit((limit) -> limit.capacity(tokensPerMinute).refillGreedy(tokensPerMinute, Duration.ofMinutes(1)))
			.withCustomTimePrecision(new ClockTimeMeter(clock))
			.build();
	}

	@Override
	public long capacity() {
		return this.capacity;
	}

	@Override
	public Mono<Long> tryTake(long tokens) {
		return Mono.fromSupplier(() -> nanosToWait(this.bucket.tryConsumeAndReturnRemaining(tokens)));
	}

	@Override
	public void giveBack(long tokens) {
		if (tokens > 0) {
			this.bucket.addTokens(tokens);
		}
	}

	@Override
	public void takeAnyway(long tokens) {
		if (tokens > 0) {
			this.bucket.consumeIgnoringRateLimits(tokens);
		}
	}

	@Override
	public long available() {
		return this.bucket.getAvailableTokens();
	}

	/**
	 * Return 0 for tokens taken, else the nanoseconds until they are there, at least 1.
	 * @param probe what the bucket said
	 * @return the wait
	 */
	static long nanosToWait(ConsumptionProbe probe) {
		return probe.isConsumed() ? 0L : Math.max(1, probe.getNanosToWaitForRefill());
	}

	/**
	 * The engine's clock as bucket4j's time, so that the bucket refills as the engine's
	 * (in tests, virtual) time passes.
	 */
	record ClockTimeMeter(Clock clock) implements TimeMeter {

		@Override
		public long currentTimeNanos() {
			return TimeUnit.MILLISECONDS.toNanos(this.clock.millis());
		}

		@Override
		public boolean isWallClockBased() {
			return true;
		}

	}

}
