/**
 * LangChain4j's {@code ChatModel} and {@code StreamingChatModel} backed by
 * llm-resilience's {@code LlmClient}.
 */
@NullMarked
package io.github.llmresilience.langchain4j;

import org.jspecify.annotations.NullMarked;
