/**
 * The execution engine: policies become Resilience4j retries and circuit breakers around
 * each attempt, in one fixed order, with fallbacks and deadlines. Internal.
 */
@NullMarked
package io.github.llmresilience.execution;

import org.jspecify.annotations.NullMarked;
