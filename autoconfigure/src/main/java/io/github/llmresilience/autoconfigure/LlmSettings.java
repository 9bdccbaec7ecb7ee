package io.github.llmresilience.autoconfigure;

import java.util.List;

import io.github.llmresilience.client.ProviderSettings;
import io.github.llmresilience.pacing.ProviderConcurrency;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.policy.LlmPolicies;

/**
 * The {@code llm.*} settings, validated and with {@code llm.defaults} merged in, as
 * {@link LlmConfigurationResolver} resolves them once at start-up.
 *
 * @param providers the providers' settings, in configuration order
 * @param policies the policies
 * @param pacing what paces the requests to each provider
 * @param concurrency how many requests, and batch requests, may be in flight to each
 * provider
 */
record LlmSettings(List<ProviderSettings> providers, LlmPolicies policies, List<ProviderPacing> pacing,
		List<ProviderConcurrency> concurrency) {

}
