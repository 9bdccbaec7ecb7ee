/**
 * Benchmarks of the llm-resilience starter: JMH for the decorator chain, a load harness
 * against {@code FakeLlmServer} in another JVM.
 * {@link io.github.llmresilience.benchmarks.Benchmarks} is the entry point of the shaded
 * jar.
 */
@NullMarked
package io.github.llmresilience.benchmarks;

import org.jspecify.annotations.NullMarked;
