/**
 * An in-JVM, OpenAI-compatible chat-completions server with scripted faults, for tests,
 * demos and load benchmarks.
 * <p>
 * Start with {@link io.github.llmresilience.testkit.FakeLlmServer}: script answers per
 * model with {@link io.github.llmresilience.testkit.ModelScript} and
 * {@link io.github.llmresilience.testkit.FakeResponse}, then inspect what the client sent
 * with {@link io.github.llmresilience.testkit.RecordedRequest}.
 */
@NullMarked
package io.github.llmresilience.testkit;

import org.jspecify.annotations.NullMarked;
