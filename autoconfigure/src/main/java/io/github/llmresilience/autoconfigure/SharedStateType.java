package io.github.llmresilience.autoconfigure;

/**
 * Where the instances of an application share their state
 * ({@code llm.shared-state.type}).
 */
public enum SharedStateType {

	/**
	 * Nothing is shared: each instance learns alone, and declared limits hold per
	 * instance.
	 */
	NONE,

	/**
	 * Cooldowns and declared limits are shared through Redis.
	 */
	REDIS

}
