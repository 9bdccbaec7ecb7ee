package io.github.llmresilience.observation;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;

/**
 * What an {@code llm.attempts} observation knows about one HTTP attempt.
 */
public class LlmAttemptContext extends MeteredContext {

	private final String policy;

	private final String provider;

	private final String model;

	private LlmMeters.TagValue result = AttemptResult.RUNNING;

	private @Nullable Integer status;

	private boolean hedge;

	/**
	 * Create a context.
	 * @param policy the call's policy
	 * @param provider the target's provider
	 * @param model the target's model
	 */
	public LlmAttemptContext(String policy, String provider, String model) {
		this.policy = policy;
		this.provider = provider;
		this.model = model;
	}

	/**
	 * Return the policy's name.
	 * @return the policy
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Return the target's provider.
	 * @return the provider
	 */
	public String getProvider() {
		return this.provider;
	}

	/**
	 * Return the target's (requested) model.
	 * @return the model
	 */
	public String getModel() {
		return this.model;
	}

	/**
	 * Return how the attempt ended: an {@link AttemptResult}, or the {@link FailureKind}
	 * of the {@code LlmException} it failed with; {@link AttemptResult#RUNNING} until it
	 * ends.
	 * @return the result
	 */
	public LlmMeters.TagValue getResult() {
		return this.result;
	}

	/**
	 * Set the result.
	 * @param result an {@link AttemptResult} or a {@link FailureKind}
	 */
	public void setResult(LlmMeters.TagValue result) {
		this.result = result;
	}

	/**
	 * Return the HTTP status of the answer.
	 * @return the status, or {@code null} if there was no answer
	 */
	public @Nullable Integer getStatus() {
		return this.status;
	}

	/**
	 * Set the HTTP status.
	 * @param status the status
	 */
	public void setStatus(@Nullable Integer status) {
		this.status = status;
	}

	/**
	 * Return whether the attempt is part of a hedge, sent while another attempt of the
	 * call was slow to answer.
	 * @return whether the attempt is a hedge
	 */
	public boolean isHedge() {
		return this.hedge;
	}

	/**
	 * Set whether the attempt is part of a hedge.
	 * @param hedge whether the attempt is a hedge
	 */
	public void setHedge(boolean hedge) {
		this.hedge = hedge;
	}

}
