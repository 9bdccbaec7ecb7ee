/**
 * Auto-configuration of the LangChain4j chat models backed by llm-resilience.
 */
@NullMarked
package io.github.llmresilience.langchain4j.autoconfigure;

import org.jspecify.annotations.NullMarked;
