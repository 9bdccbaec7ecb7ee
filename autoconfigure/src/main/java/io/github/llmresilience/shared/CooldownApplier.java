package io.github.llmresilience.shared;

import java.time.Clock;
import java.time.Instant;
import java.util.Set;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.observation.CooldownDirection;

/**
 * Applies a cooldown that another instance learned to this instance's own state: a
 * server-named wait or a used-up quota opens the target's circuit until its end (or, for
 * a target without a working circuit breaker, holds its requests back as pacing does), a
 * used-up rate limit holds its requests back until then. Applying it is never reported to
 * a {@link io.github.llmresilience.pacing.CooldownListener}, so it is never published
 * again.
 */
public final class CooldownApplier {

	private final TargetResilience resilience;

	private final Pacing pacing;

	private final Set<Target> targets;

	private final LlmMetrics metrics;

	private final Clock clock;

	/**
	 * Create an applier.
	 * @param resilience the circuit breakers
	 * @param pacing the pacing
	 * @param targets the targets of this instance's policies; cooldowns of others are
	 * ignored
	 * @param metrics where applied cooldowns are counted
	 * @param clock the engine's clock
	 */
	public CooldownApplier(TargetResilience resilience, Pacing pacing, Set<Target> targets, LlmMetrics metrics,
			Clock clock) {
		this.resilience = resilience;
		this.pacing = pacing;
		this.targets = Set.copyOf(targets);
		this.metrics = metrics;
		this.clock = clock;
	}

	/**
	 * Apply a cooldown, unless it has ended, names a target this instance does not call,
	 * or this instance already knows the target cools down as long.
	 * @param cooldown the cooldown
	 * @return whether this instance's state changed
	 */
	public boolean apply(Cooldown cooldown) {
		Target target = cooldown.target();
		if (!this.targets.contains(target) || !cooldown.until().isAfter(this.clock.instant())) {
			return false;
		}
		boolean changed = (cooldown.cause() != Cooldown.Cause.RATE_LIMIT && breakerCanHold(target))
				? this.resilience.holdOpen(target, cooldown.until()) : exhaust(target, cooldown.until());
		if (changed) {
			this.metrics.sharedCooldown(target, cooldown.cause().value(), CooldownDirection.APPLIED);
		}
		return changed;
	}

	private boolean breakerCanHold(Target target) {
		CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
		if (circuitBreaker == null) {
			return false;
		}
		State state = circuitBreaker.getState();
		return state == State.CLOSED || state == State.OPEN || state == State.HALF_OPEN;
	}

	private boolean exhaust(Target target, Instant until) {
		Instant current = this.pacing.exhaustedUntil(target);
		if (current != null && !until.isAfter(current)) {
			return false;
		}
		this.pacing.exhaustUntil(target, until);
		return true;
	}

}
