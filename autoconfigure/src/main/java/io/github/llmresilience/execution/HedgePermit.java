package io.github.llmresilience.execution;

import io.github.llmresilience.policy.Target;

/**
 * Whether a hedge may be sent now. It is asked once per hedge, when the hedge's delay has
 * passed and every other condition holds (an idempotent call, a target whose circuit is
 * not open), just before the hedge's first request is sent; a hedge it refuses is not
 * sent, and the attempt in flight goes on alone. {@link LlmExecutor}'s counts the hedge
 * against the retry budget. It is called on a timer thread, while the race it belongs to
 * is locked: it must be quick and must not block.
 */
@FunctionalInterface
interface HedgePermit {

	/**
	 * Return whether the hedge may be sent.
	 * @param call the logical call
	 * @param from the target of the slow attempt
	 * @param to the target the hedge would go to (the same one for {@code target: same})
	 * @return whether to send the hedge
	 */
	boolean permits(CallState call, Target from, Target to);

}
