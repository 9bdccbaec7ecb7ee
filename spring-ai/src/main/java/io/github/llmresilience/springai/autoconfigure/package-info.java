/**
 * Auto-configuration of the Spring AI {@code ChatModel} backed by llm-resilience.
 */
@NullMarked
package io.github.llmresilience.springai.autoconfigure;

import org.jspecify.annotations.NullMarked;
