package io.github.llmresilience.interceptor;

import io.github.llmresilience.support.LlmStartupException;

/**
 * An {@code @LlmCall} annotation cannot work as written: it names an unknown policy, sits
 * on a method a proxy cannot intercept, or names a fallback method that is missing or
 * does not fit. It fails the application's start, and its {@link #action()} says what to
 * write instead.
 */
public class LlmCallConfigurationException extends LlmStartupException {

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action what to write instead
	 */
	public LlmCallConfigurationException(String description, String action) {
		super(description, action);
	}

}
