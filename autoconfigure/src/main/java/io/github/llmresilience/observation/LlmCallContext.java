package io.github.llmresilience.observation;

import org.jspecify.annotations.Nullable;

/**
 * What an {@code llm.calls} observation knows about one logical call: its policy, how it
 * ended and which target served it.
 */
public class LlmCallContext extends MeteredContext {

	private final String policy;

	private CallOutcome outcome = CallOutcome.RUNNING;

	private @Nullable String provider;

	private @Nullable String model;

	private boolean fallback;

	private int attempts;

	/**
	 * Create a context.
	 * @param policy the call's policy
	 */
	public LlmCallContext(String policy) {
		this.policy = policy;
	}

	/**
	 * Return the policy's name.
	 * @return the policy
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Return how the call ended; {@link CallOutcome#RUNNING} until it ends.
	 * @return the outcome
	 */
	public CallOutcome getOutcome() {
		return this.outcome;
	}

	/**
	 * Set how the call ended.
	 * @param outcome the outcome
	 */
	public void setOutcome(CallOutcome outcome) {
		this.outcome = outcome;
	}

	/**
	 * Return the provider of the target that served the call.
	 * @return the provider, or {@code null} if no target served it
	 */
	public @Nullable String getProvider() {
		return this.provider;
	}

	/**
	 * Return the requested model of the target that served the call.
	 * @return the model, or {@code null} if no target served it
	 */
	public @Nullable String getModel() {
		return this.model;
	}

	/**
	 * Set the target that served the call.
	 * @param provider the provider
	 * @param model the requested model
	 */
	public void setServed(@Nullable String provider, @Nullable String model) {
		this.provider = provider;
		this.model = model;
	}

	/**
	 * Return whether a target other than the primary served the call.
	 * @return whether a fallback served
	 */
	public boolean isFallback() {
		return this.fallback;
	}

	/**
	 * Set whether a fallback served.
	 * @param fallback whether a fallback served
	 */
	public void setFallback(boolean fallback) {
		this.fallback = fallback;
	}

	/**
	 * Return the HTTP requests the call sent.
	 * @return the attempts
	 */
	public int getAttempts() {
		return this.attempts;
	}

	/**
	 * Set the HTTP requests the call sent.
	 * @param attempts the attempts
	 */
	public void setAttempts(int attempts) {
		this.attempts = attempts;
	}

}
