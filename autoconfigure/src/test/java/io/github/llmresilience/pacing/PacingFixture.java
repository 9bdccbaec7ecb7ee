package io.github.llmresilience.pacing;

import java.time.Clock;
import java.util.List;

import io.github.llmresilience.observation.LlmMetrics;

/**
 * Builds the pacing of tests: declared limits held by this instance, cooldowns told to
 * nobody.
 */
public final class PacingFixture {

	private PacingFixture() {
	}

	/**
	 * Return the pacing of the given providers.
	 * @param clock the clock
	 * @param metrics where the rate-limit gauges are registered
	 * @param providers the providers' pacing settings
	 * @return the pacing
	 */
	public static Pacing pacing(Clock clock, LlmMetrics metrics, ProviderPacing... providers) {
		return new Pacing(List.of(providers), clock, metrics, RequestLimiters.local(clock), CooldownListener.NONE);
	}

}
