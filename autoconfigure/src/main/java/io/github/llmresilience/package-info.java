/**
 * The llm-resilience API: {@link io.github.llmresilience.LlmClient} to send chat
 * requests, {@link io.github.llmresilience.LlmCall @LlmCall} to run a method under a
 * policy, the request and response types, and the exceptions. Everything in sub-packages
 * is internal.
 */
@NullMarked
package io.github.llmresilience;

import org.jspecify.annotations.NullMarked;
