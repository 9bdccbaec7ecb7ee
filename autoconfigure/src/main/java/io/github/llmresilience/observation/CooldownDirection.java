package io.github.llmresilience.observation;

/**
 * Which way a cooldown shared across instances went: the {@code direction} tag of
 * {@code llm.shared.cooldowns}.
 */
public enum CooldownDirection implements LlmMeters.TagValue {

	/**
	 * This instance learned it from the server and told the other instances.
	 */
	PUBLISHED,

	/**
	 * Another instance learned it, and this one applied it.
	 */
	APPLIED

}
