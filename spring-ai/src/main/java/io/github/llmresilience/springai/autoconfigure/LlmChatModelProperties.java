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

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPolicy() {
		return this.policy;
	}

	public void setPolicy(String policy) {
		this.policy = policy;
	}

	public boolean isPrimary() {
		return this.primary;
	}

	public void setPrimary(boolean primary) {
		this.primary = primary;
	}

}
