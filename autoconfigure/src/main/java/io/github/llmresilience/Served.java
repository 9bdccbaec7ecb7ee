package io.github.llmresilience;

import java.util.Objects;

/**
 * Which target served a logical call, and what it took.
 *
 * @param provider the name of the provider that answered, as configured under
 * {@code llm.providers}
 * @param model the model that was requested from it (the target's model; the model the
 * server reported is {@link ChatResponse#model()})
 * @param attempts the HTTP requests sent during the logical call, across every target, a
 * hedge included; a target skipped because its circuit breaker was open sent none
 * @param fallback whether a target other than the policy's primary served
 * @param hedge whether the answer came from the hedge, the request sent while another was
 * slow to answer, rather than from the request it raced
 */
public record Served(String provider, String model, int attempts, boolean fallback, boolean hedge) {

	/**
	 * Create a description of the serving target.
	 * @param provider the provider name
	 * @param model the requested model
	 * @param attempts the HTTP requests sent
	 * @param fallback whether a fallback served
	 * @param hedge whether the hedge answered
	 */
	public Served {
		Objects.requireNonNull(provider, "'provider' must not be null");
		Objects.requireNonNull(model, "'model' must not be null");
	}

	/**
	 * Create a description of a serving target whose answer did not come from a hedge.
	 * @param provider the provider name
	 * @param model the requested model
	 * @param attempts the HTTP requests sent
	 * @param fallback whether a fallback served
	 */
	public Served(String provider, String model, int attempts, boolean fallback) {
		this(provider, model, attempts, fallback, false);
	}

	/**
	 * Return the target as {@code provider:model}, the name of its circuit breaker.
	 * @return the target's name
	 */
	public String target() {
		return this.provider + ":" + this.model;
	}

}
