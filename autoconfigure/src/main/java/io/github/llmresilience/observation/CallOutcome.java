package io.github.llmresilience.observation;

/**
 * How a logical call ended: the {@code outcome} tag of {@code llm.calls} and the
 * {@code outcome} field of a call's log line.
 */
public enum CallOutcome implements LlmMeters.TagValue {

	/**
	 * The call has not ended yet.
	 */
	RUNNING,

	/**
	 * The call succeeded.
	 */
	SUCCESS,

	/**
	 * The call failed.
	 */
	FAILURE,

	/**
	 * The call failed and an {@code @LlmCall} fallback method answered instead.
	 */
	FALLBACK_METHOD,

	/**
	 * The subscriber cancelled the call.
	 */
	CANCELLED,

	/**
	 * The policy's deadline passed.
	 */
	DEADLINE,

	/**
	 * The call failed because every target of its policy was out (open circuits, waits a
	 * server named, rate limits used up for longer than the policy waits); its
	 * {@code LlmException.earliestAvailableAt()} says when one is expected back.
	 */
	UNAVAILABLE;

	@Override
	public String toString() {
		return value();
	}

}
