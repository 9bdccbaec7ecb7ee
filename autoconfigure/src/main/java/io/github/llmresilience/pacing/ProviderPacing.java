package io.github.llmresilience.pacing;

/**
 * What paces the requests to one provider, resolved from {@code llm.providers.<name>}.
 *
 * @param provider the provider's name
 * @param rateLimitHeaders whether its answers' rate-limit headers are read and paced on
 * @param requestsPerMinute the declared request limit, 0 for none
 * @param retryBudget its retry budget
 */
public record ProviderPacing(String provider, boolean rateLimitHeaders, int requestsPerMinute,
		RetryBudgetSettings retryBudget) {

}
