package io.github.llmresilience.pacing;

import java.util.Map;
import java.util.Objects;

/**
 * What paces the requests to one provider, resolved from {@code llm.providers.<name>}.
 *
 * @param provider the provider's name
 * @param rateLimitHeaders whether its answers' rate-limit headers are read and paced on
 * @param requestsPerMinute the declared request limit, 0 for none
 * @param retryBudget its retry budget
 * @param tokensPerMinute the declared token limit, 0 for none
 * @param completionReserve the tokens the declared token limit reserves for the answer of
 * a request that sets no {@code max_tokens}
 * @param maxInputTokens the largest prompt each of its models takes
 * ({@code max-input-tokens} of the targets that name it), by model
 * @param reservations whether each request sent after a target's last rate-limit report
 * is subtracted from what it reported
 */
public record ProviderPacing(String provider, boolean rateLimitHeaders, int requestsPerMinute,
		RetryBudgetSettings retryBudget, long tokensPerMinute, long completionReserve, Map<String, Long> maxInputTokens,
		boolean reservations) {

	/**
	 * The default {@code completion-reserve}.
	 */
	public static final long DEFAULT_COMPLETION_RESERVE = 1000;

	/**
	 * Create the pacing settings of a provider.
	 * @param provider the provider's name
	 * @param rateLimitHeaders whether its rate-limit headers are read
	 * @param requestsPerMinute the declared request limit
	 * @param retryBudget its retry budget
	 * @param tokensPerMinute the declared token limit
	 * @param completionReserve the reserve for an answer of unbounded size
	 * @param maxInputTokens the largest prompt of each model
	 * @param reservations whether requests are reserved against the headers
	 */
	public ProviderPacing {
		Objects.requireNonNull(provider, "'provider' must not be null");
		maxInputTokens = Map.copyOf(maxInputTokens);
	}

	/**
	 * Create the pacing settings of a provider without declared token limits.
	 * @param provider the provider's name
	 * @param rateLimitHeaders whether its rate-limit headers are read
	 * @param requestsPerMinute the declared request limit
	 * @param retryBudget its retry budget
	 */
	public ProviderPacing(String provider, boolean rateLimitHeaders, int requestsPerMinute,
			RetryBudgetSettings retryBudget) {
		this(provider, rateLimitHeaders, requestsPerMinute, retryBudget, 0, DEFAULT_COMPLETION_RESERVE, Map.of(), true);
	}

}
