package io.github.llmresilience.pacing;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import reactor.core.publisher.Mono;

/**
 * A declared request limit held by this instance, on a Resilience4j {@link RateLimiter}
 * whose timeout is zero, so that asking for a permit never parks a thread. The minute is
 * cut into the fewest equal periods that divide the limit evenly, so a limit of 60 per
 * minute lets one request through per second rather than 60 at the start of each minute.
 */
public final class LocalRequestLimiter implements RequestLimiter {

	private final AtomicRateLimiter rateLimiter;

	/**
	 * Create a limiter.
	 * @param name the name of the Resilience4j instance
	 * @param requestsPerMinute the limit, at least 1
	 * @param clock the clock the limiter's periods are timed with
	 */
	public LocalRequestLimiter(String name, int requestsPerMinute, Clock clock) {
		int periods = gcd(requestsPerMinute, 60);
		RateLimiterConfig config = RateLimiterConfig.custom()
			.limitForPeriod(requestsPerMinute / periods)
			.limitRefreshPeriod(Duration.ofMinutes(1).dividedBy(periods))
			.timeoutDuration(Duration.ZERO)
			.build();
		this.rateLimiter = new AtomicRateLimiter(name, config, Map.of(),
				() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
	}

	@Override
	public Mono<Long> tryAcquire() {
		return Mono.fromSupplier(() -> {
			if (this.rateLimiter.acquirePermission()) {
				return 0L;
			}
			// At least a nanosecond: a permit that is free again already is taken on the
			// next try.
			return Math.max(1, this.rateLimiter.getDetailedMetrics().getNanosToWait());
		});
	}

	/**
	 * Return the Resilience4j instance.
	 * @return the rate limiter
	 */
	public RateLimiter rateLimiter() {
		return this.rateLimiter;
	}

	private static int gcd(int a, int b) {
		return (b == 0) ? a : gcd(b, a % b);
	}

}
