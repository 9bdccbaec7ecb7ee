/**
 * Demo mode, the default profile: an in-process {@code FakeLlmServer} stands in for the
 * providers and answers with a seeded mix of faults, configured under {@code demo.*}.
 */
@NullMarked
package io.github.llmresilience.sample.demo;

import org.jspecify.annotations.NullMarked;
