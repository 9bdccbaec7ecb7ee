/**
 * Resolved, validated policies: targets, retry and circuit breaker settings. Internal.
 */
@NullMarked
package io.github.llmresilience.policy;

import org.jspecify.annotations.NullMarked;
