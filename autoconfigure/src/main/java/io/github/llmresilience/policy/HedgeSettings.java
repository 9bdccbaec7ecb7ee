package io.github.llmresilience.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * A policy's resolved hedge settings, {@code llm.defaults.hedge} merged with the policy's
 * own.
 *
 * @param enabled whether idempotent calls of the policy are hedged
 * @param delay how long an attempt may go without an answer (a stream: without its first
 * content chunk) before the hedge is sent
 * @param target where the hedge is sent
 */
public record HedgeSettings(boolean enabled, Duration delay, HedgeTarget target) {

	/**
	 * No hedging, with the default delay and target.
	 */
	public static final HedgeSettings DISABLED = new HedgeSettings(false, Duration.ofSeconds(2), HedgeTarget.NEXT);

	/**
	 * Create settings.
	 * @param enabled whether calls are hedged
	 * @param delay the wait before the hedge
	 * @param target where the hedge is sent
	 */
	public HedgeSettings {
		Objects.requireNonNull(delay, "'delay' must not be null");
		Objects.requireNonNull(target, "'target' must not be null");
	}

}
