package io.github.llmresilience.shared;

import io.github.llmresilience.support.LlmStartupException;

/**
 * {@code llm.shared-state.type=redis} was asked for, but the application has no Redis to
 * share state through, or no bucket4j for its declared limits. It fails the application's
 * start, and its {@link #action()} says what to do.
 */
public class SharedStateUnavailableException extends LlmStartupException {

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action what to do
	 */
	public SharedStateUnavailableException(String description, String action) {
		super(description, action);
	}

}
