package io.github.llmresilience.pacing;

import java.time.Duration;

/**
 * How many requests may be in flight to one provider, resolved from
 * {@code llm.providers.<name>}: its connection pool, and the share of it that batch
 * requests may hold.
 *
 * @param provider the provider's name
 * @param maxConnections the size of its connection pool: the most requests in flight
 * @param batchShare the share of the pool batch requests may hold, in (0, 1]
 * @param pendingAcquireTimeout the longest a request waits for its turn
 */
public record ProviderConcurrency(String provider, int maxConnections, double batchShare,
		Duration pendingAcquireTimeout) {

	/**
	 * The share of a provider's connections that batch requests may hold unless it says
	 * otherwise.
	 */
	public static final double DEFAULT_BATCH_SHARE = 0.5;

	/**
	 * Return the most batch requests in flight at once: the share of the pool, rounded
	 * down, and at least one.
	 * @return the limit
	 */
	public int batchLimit() {
		return Math.max(1, (int) Math.floor(this.batchShare * this.maxConnections));
	}

}
