package io.github.llmresilience.pacing;

import java.time.Clock;
import java.time.Duration;

import io.github.bucket4j.Bucket;
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
		return Mono.fromSupplier(() -> ClockTimeMeter.nanosToWait(this.bucket.tryConsumeAndReturnRemaining(tokens)));
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

}
