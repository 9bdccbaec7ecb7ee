package io.github.llmresilience.observation;

/**
 * Which limit held a request back: the {@code limit} tag of {@code llm.paced}.
 */
public enum PacedLimit implements LlmMeters.TagValue {

	/**
	 * A request limit: the target's headers say its requests are used up (or what this
	 * instance sent since their last report used them up), or the provider's declared
	 * {@code requests-per-minute} has no permit free.
	 */
	REQUESTS,

	/**
	 * A token limit: the target's reported tokens, or the provider's declared
	 * {@code tokens-per-minute}, have no room for the request's estimate.
	 */
	TOKENS,

	/**
	 * The target's context: its {@code max-input-tokens} is below the estimated prompt,
	 * or the estimate is larger than the declared {@code tokens-per-minute}; the target
	 * is passed over without a request.
	 */
	CONTEXT,

	/**
	 * The provider's concurrency: no connection (or, for background work, no share of
	 * them) is free in time.
	 */
	CONCURRENCY

}
