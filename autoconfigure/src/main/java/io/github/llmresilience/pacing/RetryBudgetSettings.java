package io.github.llmresilience.pacing;

import java.time.Duration;

/**
 * A provider's resolved retry budget settings, {@code llm.defaults.retry-budget} merged
 * with its own.
 *
 * @param enabled whether retries to the provider are limited
 * @param ratio the share of first requests that retries may add
 * @param window how far back requests count
 * @param minRetriesPerSecond retries per second allowed whatever the traffic
 */
public record RetryBudgetSettings(boolean enabled, double ratio, Duration window, double minRetriesPerSecond) {

}
