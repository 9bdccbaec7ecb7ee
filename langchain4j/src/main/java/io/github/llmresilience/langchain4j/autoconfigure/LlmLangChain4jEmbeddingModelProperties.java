package io.github.llmresilience.langchain4j.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.github.llmresilience.autoconfigure.LlmModelProperties;

/**
 * Configuration of the LangChain4j {@code EmbeddingModel} backed by llm-resilience.
 */
@ConfigurationProperties(LlmLangChain4jEmbeddingModelProperties.PREFIX)
public class LlmLangChain4jEmbeddingModelProperties extends LlmModelProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.langchain4j.embedding-model";

	/**
	 * Create the properties with their defaults.
	 */
	public LlmLangChain4jEmbeddingModelProperties() {
		super("embeddings");
	}

}
