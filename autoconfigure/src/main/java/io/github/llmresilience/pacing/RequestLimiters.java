package io.github.llmresilience.pacing;

import java.time.Clock;

import org.jspecify.annotations.Nullable;

/**
 * Creates the declared request limit of each provider
 * ({@code llm.providers.<name>.rate-limit.requests-per-minute}): held by this instance
 * ({@link #local(Clock)}), or by the whole fleet when state is shared.
 */
@FunctionalInterface
public interface RequestLimiters {

	/**
	 * Create the declared request limit of a provider.
	 * @param provider the provider's pacing settings
	 * @return the limiter, or {@code null} if the provider declares no limit
	 */
	@Nullable RequestLimiter create(ProviderPacing provider);

	/**
	 * Return the limiters held by this instance, on Resilience4j.
	 * @param clock the clock the limiters' periods are timed with
	 * @return the factory of local limiters
	 */
	static RequestLimiters local(Clock clock) {
		return (settings) -> (settings.requestsPerMinute() > 0)
				? new LocalRequestLimiter("llm-" + settings.provider(), settings.requestsPerMinute(), clock) : null;
	}

}
