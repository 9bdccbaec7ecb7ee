package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.langchain4j.model.chat.Capability;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the LangChain4j chat models backed by llm-resilience.
 */
@ConfigurationProperties(LlmLangChain4jProperties.PREFIX)
public class LlmLangChain4jProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.langchain4j.chat-model";

	/**
	 * Whether to register the LangChain4j ChatModel and StreamingChatModel backed by
	 * llm-resilience.
	 */
	private boolean enabled = true;

	/**
	 * Policy under llm.policies that runs the calls of both models.
	 */
	private String policy = "default";

	/**
	 * Whether the models backed by llm-resilience are the primary ChatModel and
	 * StreamingChatModel, the ones injected by type next to a LangChain4j provider's.
	 */
	private boolean primary;

	/**
	 * Capabilities the policy's targets support: with response-format-json-schema, AI
	 * Services ask for structured output with a json_schema response format rather than
	 * with instructions in the prompt.
	 */
	private Set<Capability> supportedCapabilities = new LinkedHashSet<>(Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA));

	/**
	 * Whether to register the LangChain4j ChatModel and StreamingChatModel backed by
	 * llm-resilience.
	 * @return whether enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Whether to register the LangChain4j ChatModel and StreamingChatModel backed by
	 * llm-resilience.
	 * @param enabled whether enabled
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * Policy under llm.policies that runs the calls of both models.
	 * @return the policy
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Policy under llm.policies that runs the calls of both models.
	 * @param policy the policy
	 */
	public void setPolicy(String policy) {
		this.policy = policy;
	}

	/**
	 * Whether the models backed by llm-resilience are the primary ChatModel and
	 * StreamingChatModel, the ones injected by type next to a LangChain4j provider's.
	 * @return whether primary
	 */
	public boolean isPrimary() {
		return this.primary;
	}

	/**
	 * Whether the models backed by llm-resilience are the primary ChatModel and
	 * StreamingChatModel, the ones injected by type next to a LangChain4j provider's.
	 * @param primary whether primary
	 */
	public void setPrimary(boolean primary) {
		this.primary = primary;
	}

	/**
	 * Capabilities the policy's targets support: with response-format-json-schema, AI
	 * Services ask for structured output with a json_schema response format rather than
	 * with instructions in the prompt.
	 * @return the supported capabilities
	 */
	public Set<Capability> getSupportedCapabilities() {
		return this.supportedCapabilities;
	}

	/**
	 * Capabilities the policy's targets support: with response-format-json-schema, AI
	 * Services ask for structured output with a json_schema response format rather than
	 * with instructions in the prompt.
	 * @param supportedCapabilities the supported capabilities
	 */
	public void setSupportedCapabilities(Set<Capability> supportedCapabilities) {
		this.supportedCapabilities = supportedCapabilities;
	}

}
