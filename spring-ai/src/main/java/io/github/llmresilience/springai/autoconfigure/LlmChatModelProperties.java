package io.github.llmresilience.springai.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the Spring AI {@code ChatModel} backed by llm-resilience.
 */
@ConfigurationProperties(LlmChatModelProperties.PREFIX)
public class LlmChatModelProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.spring-ai.chat-model";

	/**
	 * Whether to register the Spring AI ChatModel backed by llm-resilience.
	 */
	private boolean enabled = true;

	/**
	 * Policy under llm.policies that runs ChatModel calls whose options name none.
	 */
	private String policy = "default";

	/**
	 * Whether the ChatModel backed by llm-resilience is the primary one, the one
	 * ChatClient uses when another ChatModel bean exists too.
	 */
	private boolean primary;

	/**
	 * Whether to register the Spring AI ChatModel backed by llm-resilience.
	 * @return whether enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Whether to register the Spring AI ChatModel backed by llm-resilience.
	 * @param enabled whether enabled
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * Policy under llm.policies that runs ChatModel calls whose options name none.
	 * @return the policy
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Policy under llm.policies that runs ChatModel calls whose options name none.
	 * @param policy the policy
	 */
	public void setPolicy(String policy) {
		this.policy = policy;
	}

	/**
	 * Whether the ChatModel backed by llm-resilience is the primary one, the one
	 * ChatClient uses when another ChatModel bean exists too.
	 * @return whether primary
	 */
	public boolean isPrimary() {
		return this.primary;
	}

	/**
	 * Whether the ChatModel backed by llm-resilience is the primary one, the one
	 * ChatClient uses when another ChatModel bean exists too.
	 * @param primary whether primary
	 */
	public void setPrimary(boolean primary) {
		this.primary = primary;
	}

}
