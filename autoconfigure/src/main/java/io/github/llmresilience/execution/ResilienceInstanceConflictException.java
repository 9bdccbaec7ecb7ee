package io.github.llmresilience.execution;

import io.github.llmresilience.support.LlmStartupException;

/**
 * A Resilience4j registry already holds a retry or circuit breaker under a name that
 * llm-resilience uses, registered by something else. It fails the application's start,
 * and its {@link #action()} says what to do instead.
 */
public class ResilienceInstanceConflictException extends LlmStartupException {

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action what to do instead
	 */
	public ResilienceInstanceConflictException(String description, String action) {
		super(description, action);
	}

}
