package io.github.llmresilience.support;

/**
 * The application cannot start as configured: what is wrong ({@link #getMessage()}) and
 * what to do instead ({@link #action()}). One failure analyzer reports every subclass, as
 * Spring Boot's {@code InvalidConfigurationPropertyValueFailureAnalyzer} reports a bad
 * property: the description, then the action, without a stack trace.
 */
public abstract class LlmStartupException extends IllegalStateException {

	/**
	 * What to do instead.
	 */
	private final String action;

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action what to do instead
	 */
	protected LlmStartupException(String description, String action) {
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
