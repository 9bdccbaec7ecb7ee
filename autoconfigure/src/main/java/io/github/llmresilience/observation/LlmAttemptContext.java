package io.github.llmresilience.observation;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an {@code llm.attempts} observation knows about one HTTP attempt.
 */
public class LlmAttemptContext extends Observation.Context {

	/**
	 * The attempt has not ended yet.
	 */
	public static final String RUNNING = "running";

	private final String policy;

	private final String provider;

	private final String model;

	private String result = RUNNING;

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
	 * Return {@code success}, {@code cancelled} or the failure kind of the attempt;
	 * {@value #RUNNING} until it ends.
	 * @return the result
	 */
	public String getResult() {
		return this.result;
	}

	/**
	 * Set the result.
	 * @param result {@code success} or a failure kind
	 */
	public void setResult(String result) {
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
