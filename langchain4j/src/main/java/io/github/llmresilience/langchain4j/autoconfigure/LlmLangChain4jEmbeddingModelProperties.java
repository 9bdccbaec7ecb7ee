package io.github.llmresilience.langchain4j.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the LangChain4j {@code EmbeddingModel} backed by llm-resilience.
 */
@ConfigurationProperties(LlmLangChain4jEmbeddingModelProperties.PREFIX)
public class LlmLangChain4jEmbeddingModelProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.langchain4j.embedding-model";

	/**
	 * Whether to register the LangChain4j EmbeddingModel backed by llm-resilience.
	 */
	private boolean enabled = true;

	/**
	 * Policy under llm.policies, of type embeddings, that runs EmbeddingModel calls.
	 */
	private String policy = "embeddings";

	/**
	 * Whether the EmbeddingModel backed by llm-resilience is the primary one, for an
	 * application that also has a LangChain4j provider's EmbeddingModel.
	 */
	private boolean primary;

	/**
	 * Whether to register the LangChain4j EmbeddingModel backed by llm-resilience.
	 * @return whether enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Whether to register the LangChain4j EmbeddingModel backed by llm-resilience.
	 * @param enabled whether enabled
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * Policy under llm.policies, of type embeddings, that runs EmbeddingModel calls.
	 * @return the policy
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Policy under llm.policies, of type embeddings, that runs EmbeddingModel calls.
	 * @param policy the policy
	 */
	public void setPolicy(String policy) {
		this.policy = policy;
	}

	/**
	 * Whether the EmbeddingModel backed by llm-resilience is the primary one, for an
	 * application that also has a LangChain4j provider's EmbeddingModel.
	 * @return whether primary
	 */
	public boolean isPrimary() {
		return this.primary;
	}

	/**
	 * Whether the EmbeddingModel backed by llm-resilience is the primary one, for an
	 * application that also has a LangChain4j provider's EmbeddingModel.
	 * @param primary whether primary
	 */
	public void setPrimary(boolean primary) {
		this.primary = primary;
	}

}
