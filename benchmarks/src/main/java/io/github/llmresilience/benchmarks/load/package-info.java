/**
 * The load harness: the starter and hand-written baselines against {@code FakeLlmServer}
 * running in another JVM on loopback.
 */
@NullMarked
package io.github.llmresilience.benchmarks.load;

import org.jspecify.annotations.NullMarked;
