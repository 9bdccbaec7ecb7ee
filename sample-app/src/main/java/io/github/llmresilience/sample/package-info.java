/**
 * A WebFlux application that uses the llm-resilience starter as a user would: services
 * with {@code @LlmCall} methods of each kind (reactive, streaming, blocking), Spring AI's
 * {@code ChatClient} on the same policies, and the controllers that call them.
 */
@NullMarked
package io.github.llmresilience.sample;

import org.jspecify.annotations.NullMarked;
