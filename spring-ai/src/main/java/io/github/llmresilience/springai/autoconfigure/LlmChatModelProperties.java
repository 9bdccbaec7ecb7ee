package io.github.llmresilience.springai.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.github.llmresilience.autoconfigure.LlmModelProperties;

/**
 * Configuration of the Spring AI {@code ChatModel} backed by llm-resilience.
 */
@ConfigurationProperties(LlmChatModelProperties.PREFIX)
public class LlmChatModelProperties extends LlmModelProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.spring-ai.chat-model";

	/**
	 * Create the properties with their defaults.
	 */
	public LlmChatModelProperties() {
		super("default");
	}

}
