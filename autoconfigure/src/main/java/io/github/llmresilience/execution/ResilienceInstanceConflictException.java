package io.github.llmresilience.execution;

/**
 * A Resilience4j registry already holds a retry or circuit breaker under a name that
 * llm-resilience uses, registered by something else. It fails the application's start,
 * and its {@link #action()} says what to do instead.
 */
public class ResilienceInstanceConflictException extends IllegalStateException {

	/**
	 * What to do instead.
	 */
	private final String action;

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action what to do instead
	 */
	public ResilienceInstanceConflictException(String description, String action) {
		super(description);
		this.action = action;
	}

	/**
	 * Return what to do instead.
	 * @return the action
	 */
	public String action() {
		return this.action;
	}

}
