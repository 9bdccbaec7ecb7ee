package io.github.llmresilience.springai.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.github.llmresilience.autoconfigure.LlmModelProperties;

/**
 * Configuration of the Spring AI {@code EmbeddingModel} backed by llm-resilience.
 */
@ConfigurationProperties(LlmEmbeddingModelProperties.PREFIX)
public class LlmEmbeddingModelProperties extends LlmModelProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.spring-ai.embedding-model";

	/**
	 * Create the properties with their defaults.
	 */
	public LlmEmbeddingModelProperties() {
		super("embeddings");
	}

}
