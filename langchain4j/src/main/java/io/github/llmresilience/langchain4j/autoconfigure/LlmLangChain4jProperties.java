package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.langchain4j.model.chat.Capability;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.github.llmresilience.autoconfigure.LlmModelProperties;

/**
 * Configuration of the LangChain4j chat models backed by llm-resilience.
 */
@ConfigurationProperties(LlmLangChain4jProperties.PREFIX)
public class LlmLangChain4jProperties extends LlmModelProperties {

	/**
	 * The prefix of these properties.
	 */
	public static final String PREFIX = "llm.langchain4j.chat-model";

	/**
	 * Capabilities the policy's targets support: with response-format-json-schema, AI
	 * Services ask for structured output with a json_schema response format rather than
	 * with instructions in the prompt.
	 */
	private Set<Capability> supportedCapabilities = new LinkedHashSet<>(Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA));

	/**
	 * Create the properties with their defaults.
	 */
	public LlmLangChain4jProperties() {
		super("default");
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
