package io.github.llmresilience.shared;

/**
 * {@code llm.shared-state.type=redis} was asked for, but the application has no Redis to
 * share state through. It fails the application's start, and its {@link #action()} says
 * what to do.
 */
public class SharedStateUnavailableException extends IllegalStateException {

	/**
	 * What to do instead.
	 */
	private final String action;

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action what to do
	 */
	public SharedStateUnavailableException(String description, String action) {
		super(description);
		this.action = action;
	}

	/**
	 * Return what to do.
	 * @return the action
	 */
	public String action() {
		return this.action;
	}

}
