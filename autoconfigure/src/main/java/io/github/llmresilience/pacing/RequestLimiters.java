package io.github.llmresilience.pacing;

import java.time.Clock;

import org.jspecify.annotations.Nullable;

/**
 * Creates the declared limits of each provider
 * ({@code llm.providers.<name>.rate-limit.requests-per-minute} and
 * {@code tokens-per-minute}): held by this instance ({@link #local(Clock)}), or by the
 * whole fleet when state is shared.
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
	 * Create the declared token limit of a provider.
	 * @param provider the provider's pacing settings
	 * @return the limiter, or {@code null} if the provider declares no token limit (or
	 * this factory holds none)
	 */
	default @Nullable TokenLimiter createTokenLimiter(ProviderPacing provider) {
		return null;
	}

	/**
	 * Return the limiters held by this instance: requests on Resilience4j, tokens on
	 * bucket4j.
	 * @param clock the clock the limiters' periods are timed with
	 * @return the factory of local limiters
	 */
	static RequestLimiters local(Clock clock) {
		return new RequestLimiters() {

			@Override
			public @Nullable RequestLimiter create(ProviderPacing settings) {
				return (settings.requestsPerMinute() > 0)
						? new LocalRequestLimiter("llm-" + settings.provider(), settings.requestsPerMinute(), clock)
						: null;
			}

			@Override
			public @Nullable TokenLimiter createTokenLimiter(ProviderPacing settings) {
				return (settings.tokensPerMinute() > 0) ? new LocalTokenLimiter(settings.tokensPerMinute(), clock)
						: null;
			}

		};
	}

}
