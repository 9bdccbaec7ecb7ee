package io.github.llmresilience.shared;

import java.time.Duration;

import io.github.llmresilience.pacing.Cooldown;

/**
 * Resolved {@code llm.shared-state} settings, and the names they give to the Redis keys
 * and channel.
 *
 * @param keyPrefix the prefix of every key and of the channel
 * @param timeout the longest wait for an answer from Redis
 */
public record SharedStateSettings(String keyPrefix, Duration timeout) {

	/**
	 * Return the channel on which cooldowns are announced: {@code <prefix>:cooldowns}.
	 * @return the channel's name
	 */
	public String channel() {
		return this.keyPrefix + ":cooldowns";
	}

	/**
	 * Return the key that holds a cooldown until it ends:
	 * {@code <prefix>:cooldown:<cause>:<provider>:<model>}.
	 * @param cooldown the cooldown
	 * @return the key
	 */
	public String cooldownKey(Cooldown cooldown) {
		return cooldownKeys() + cooldown.cause().value() + ":" + cooldown.target().provider() + ":"
				+ cooldown.target().model();
	}

	/**
	 * Return the pattern that matches every cooldown key, for {@code SCAN}.
	 * @return the pattern
	 */
	public String cooldownPattern() {
		return cooldownKeys() + "*";
	}

	/**
	 * Return the key of a provider's fleet-wide token bucket:
	 * {@code <prefix>:limit:<provider>:<requests-per-minute>}. The limit is part of the
	 * key, so that instances that declare another limit (during a rolling change) keep
	 * separate buckets.
	 * @param provider the provider's name
	 * @param requestsPerMinute the declared limit
	 * @return the key
	 */
	public String limitKey(String provider, int requestsPerMinute) {
		return this.keyPrefix + ":limit:" + provider + ":" + requestsPerMinute;
	}

	/**
	 * Return the key of a provider's declared token limit, held by the fleet: the limit
	 * is part of it, so instances that declare another limit during a rolling change keep
	 * their own bucket.
	 * @param provider the provider's name
	 * @param tokensPerMinute the declared limit
	 * @return the key
	 */
	public String tokenLimitKey(String provider, long tokensPerMinute) {
		return this.keyPrefix + ":tokens:" + provider + ":" + tokensPerMinute;
	}

	private String cooldownKeys() {
		return this.keyPrefix + ":cooldown:";
	}

}
