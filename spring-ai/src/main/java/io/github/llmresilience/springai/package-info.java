/**
 * Spring AI integration: {@link io.github.llmresilience.springai.LlmChatModel}, a Spring
 * AI {@code ChatModel} backed by {@link io.github.llmresilience.LlmClient}, and
 * {@link io.github.llmresilience.springai.LlmChatOptions}, its per-call options.
 */
@NullMarked
package io.github.llmresilience.springai;

import org.jspecify.annotations.NullMarked;
