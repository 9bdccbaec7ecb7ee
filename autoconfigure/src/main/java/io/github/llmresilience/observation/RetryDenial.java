package io.github.llmresilience.observation;

/**
 * Why a retry was not sent: the {@code reason} tag of {@code llm.retries.denied}.
 */
public enum RetryDenial implements LlmMeters.TagValue {

	/**
	 * The provider's retry budget had none left.
	 */
	RETRY_BUDGET,

	/**
	 * The server answered {@code x-should-retry: false}.
	 */
	SERVER_SAID_NO

}
