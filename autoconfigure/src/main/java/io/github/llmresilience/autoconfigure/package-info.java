/**
 * Auto-configuration of llm-resilience and its configuration properties.
 */
@NullMarked
package io.github.llmresilience.autoconfigure;

import org.jspecify.annotations.NullMarked;
