package io.github.llmresilience;

/**
 * How urgent a request is, when requests share a provider's concurrency cap
 * ({@code llm.providers.<name>.max-connections}): someone waits for an interactive one,
 * nobody for a batch one.
 *
 * <p>
 * Interactive requests go straight to the provider's connection pool. Batch requests may
 * hold at most {@code llm.providers.<name>.batch-share} of its connections at once (at
 * least one); the others wait in a queue in front of the pool, without a thread, for at
 * most {@code pending-acquire-timeout}, so that a batch job never starves the calls
 * someone waits for.
 *
 * @see ChatRequest.Builder#priority(Priority)
 * @see LlmCall#priority()
 */
public enum Priority {

	/**
	 * Someone waits for the answer: sent as soon as a connection is free (the default).
	 */
	INTERACTIVE,

	/**
	 * Background work: sent while the batch requests in flight to the provider hold less
	 * than its {@code batch-share} of the connections, queued otherwise.
	 */
	BATCH

}
