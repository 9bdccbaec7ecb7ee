package io.github.llmresilience.pacing;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.Target;

/**
 * Decides which of the times a server named are {@link Cooldown}s, and tells the
 * {@link CooldownListener}: a rate limit the headers say is used up until its reset, and
 * a target given up because its server named the time it is of no use until (a wait
 * beyond what the policy allows, a used-up quota). Circuits that opened on this
 * instance's own failure rate, and cooldowns received from other instances, are never
 * published.
 */
public final class CooldownPublisher {

	/**
	 * A publisher that tells nobody.
	 */
	public static final CooldownPublisher NONE = new CooldownPublisher(CooldownListener.NONE, Clock.systemUTC());

	private final CooldownListener listener;

	private final Clock clock;

	/**
	 * Create a publisher.
	 * @param listener told of every cooldown this instance learns
	 * @param clock the clock that says whether a time is still ahead
	 */
	public CooldownPublisher(CooldownListener listener, Clock clock) {
		this.listener = listener;
		this.clock = clock;
	}

	/**
	 * A target's rate-limit headers say its limit is used up until an instant.
	 * @param target the target
	 * @param until the limit's reset
	 */
	public void rateLimitUsedUp(Target target, Instant until) {
		this.listener.learned(new Cooldown(target, until, Cooldown.Cause.RATE_LIMIT));
	}

	/**
	 * A target was given up, and its circuit opened, because its server named the time it
	 * is of no use until: it cools down until that time, or, for a quota that named none,
	 * until its circuit closes again.
	 * @param target the target
	 * @param serverNamed the instant the server named, or {@code null}
	 * @param circuitOpenUntil until when the target's circuit stays open, asked only when
	 * the server named no instant
	 * @param quotaExhausted whether the target's quota is used up (otherwise it asked for
	 * a wait)
	 */
	public void gaveUp(Target target, @Nullable Instant serverNamed, Supplier<@Nullable Instant> circuitOpenUntil,
			boolean quotaExhausted) {
		if (this.listener == CooldownListener.NONE) {
			return;
		}
		Instant until = (serverNamed != null) ? serverNamed : circuitOpenUntil.get();
		if (until != null && until.isAfter(this.clock.instant())) {
			this.listener.learned(new Cooldown(target, until,
					quotaExhausted ? Cooldown.Cause.QUOTA_EXHAUSTED : Cooldown.Cause.RETRY_AFTER));
		}
	}

}
