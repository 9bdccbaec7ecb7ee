package io.github.llmresilience.policy;

import java.util.Objects;

/**
 * A target: one model of one provider. Circuit breakers belong to targets.
 *
 * @param provider the provider's name under {@code llm.providers}
 * @param model the model id, which may contain any character
 */
public record Target(String provider, String model) {

	/**
	 * Create a target.
	 * @param provider the provider's name
	 * @param model the model id
	 */
	public Target {
		Objects.requireNonNull(provider, "'provider' must not be null");
		Objects.requireNonNull(model, "'model' must not be null");
	}

	/**
	 * Return {@code provider:model}, the name of the target's circuit breaker and the
	 * value of the {@code from} and {@code to} tags of {@code llm.fallbacks}.
	 * @return the target's name
	 */
	public String name() {
		return this.provider + ":" + this.model;
	}

	@Override
	public String toString() {
		return name();
	}

}
