/**
 * JMH benchmarks of the cost per call of the resilience path, the transport stubbed.
 */
@NullMarked
package io.github.llmresilience.benchmarks.jmh;

import org.jspecify.annotations.NullMarked;
