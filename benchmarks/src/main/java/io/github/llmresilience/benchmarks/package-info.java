/**
 * Benchmarks of the llm-resilience starter: JMH for the decorator chain, load harnesses against
 * {@code FakeLlmServer}.
 */
package io.github.llmresilience.benchmarks;
