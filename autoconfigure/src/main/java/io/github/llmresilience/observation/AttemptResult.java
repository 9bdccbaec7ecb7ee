package io.github.llmresilience.observation;

import io.github.llmresilience.FailureKind;

/**
 * How an HTTP attempt ended, when not with a {@link FailureKind}: the {@code result} tag
 * of {@code llm.attempts} is one of these or the failure kind of the attempt's
 * {@code LlmException}.
 */
public enum AttemptResult implements LlmMeters.TagValue {

	/**
	 * The attempt has not ended yet.
	 */
	RUNNING,

	/**
	 * The attempt got an answer.
	 */
	SUCCESS,

	/**
	 * The attempt was cut short by a cancellation or a deadline.
	 */
	CANCELLED,

	/**
	 * The attempt failed with something other than an {@code LlmException}.
	 */
	ERROR;

	@Override
	public String toString() {
		return value();
	}

}
