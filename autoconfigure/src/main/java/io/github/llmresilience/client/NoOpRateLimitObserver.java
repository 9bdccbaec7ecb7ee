package io.github.llmresilience.client;

import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimitObserver} that keeps nothing of what it is told:
 * {@link RateLimitObserver#NONE}, for which the headers are not even parsed, and the
 * priming clients' observer, for which they are parsed, as the application's pacing has
 * them parsed, and forgotten.
 *
 * @param readsHeaders whether the answers' rate-limit headers are read
 */
record NoOpRateLimitObserver(boolean readsHeaders) implements RateLimitObserver {

	@Override
	public boolean observes(String provider) {
		return this.readsHeaders;
	}

	@Override
	public void observe(String provider, String model, RateLimitHeaders.Snapshot snapshot, @Nullable SentRequest sent) {
	}

}
