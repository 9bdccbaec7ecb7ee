package io.github.llmresilience.observation;

/**
 * What pacing did with an attempt: the {@code action} tag of {@code llm.paced}.
 */
public enum PacedAction implements LlmMeters.TagValue {

	/**
	 * The attempt waited for the reset or the next permit, then was sent.
	 */
	WAITED,

	/**
	 * The wait was longer than the policy allows: the target was given up without a
	 * request.
	 */
	SKIPPED

}
