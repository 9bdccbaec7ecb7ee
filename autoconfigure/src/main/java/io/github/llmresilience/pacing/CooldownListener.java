package io.github.llmresilience.pacing;

/**
 * Told of every {@link Cooldown} this instance learns from a server (the
 * {@link CooldownPublisher} decides which are), so that it can be shared with the other
 * instances of the application ({@code llm.shared-state.type=redis}). It is called on the
 * thread that learned it, often a call's own: it must return at once and never block.
 * Cooldowns received from other instances are never passed to it.
 */
@FunctionalInterface
public interface CooldownListener {

	/**
	 * A listener that shares nothing.
	 */
	CooldownListener NONE = (cooldown) -> {
	};

	/**
	 * Take note of a cooldown this instance learned.
	 * @param cooldown the cooldown
	 */
	void learned(Cooldown cooldown);

}
