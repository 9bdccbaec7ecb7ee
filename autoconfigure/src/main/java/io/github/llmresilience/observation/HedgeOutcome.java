package io.github.llmresilience.observation;

/**
 * What became of a hedge that was sent: the {@code outcome} tag of {@code llm.hedges} and
 * the {@code hedge} field of a call's log line.
 */
public enum HedgeOutcome implements LlmMeters.TagValue {

	/**
	 * The hedge answered first (for a stream: delivered the first content chunk), and the
	 * attempt it raced was cancelled.
	 */
	WON,

	/**
	 * The hedge did not answer first: the attempt it raced did, both failed, or the call
	 * was cancelled or ran into its deadline before either answered.
	 */
	LOST;

	@Override
	public String toString() {
		return value();
	}

}
