package io.github.llmresilience.observation;

/**
 * Which limit of a target's rate-limit headers a gauge shows: the {@code limit} tag of
 * {@code llm.ratelimit.remaining}.
 */
public enum RateLimitType implements LlmMeters.TagValue {

	/**
	 * The requests left ({@code x-ratelimit-remaining-requests}).
	 */
	REQUESTS,

	/**
	 * The tokens left ({@code x-ratelimit-remaining-tokens}).
	 */
	TOKENS

}
