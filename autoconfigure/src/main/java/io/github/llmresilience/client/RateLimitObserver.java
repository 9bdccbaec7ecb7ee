package io.github.llmresilience.client;

import org.jspecify.annotations.Nullable;

/**
 * Told what the rate-limit headers of every answer of a provider say, success or failure.
 */
public interface RateLimitObserver {

	/**
	 * An observer that is told nothing.
	 */
	RateLimitObserver NONE = new NoOpRateLimitObserver(false);

	/**
	 * Return whether the answers of a provider are read for this observer; when not,
	 * their headers are not even parsed.
	 * @param provider the provider's name
	 * @return whether its rate-limit headers are read
	 */
	boolean observes(String provider);

	/**
	 * Take what an answer's rate-limit headers said.
	 * @param provider the provider's name
	 * @param model the model that was asked
	 * @param snapshot what the headers said; never empty
	 * @param sent the request the answer is to, as counted when it was sent, or
	 * {@code null} if it was not counted
	 */
	void observe(String provider, String model, RateLimitHeaders.Snapshot snapshot, @Nullable SentRequest sent);

}
