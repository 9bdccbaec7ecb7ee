package io.github.llmresilience.autoconfigure;

/**
 * Properties of a model backed by llm-resilience (the Spring AI and LangChain4j modules'
 * chat and embedding models): whether it is registered, the policy its calls run under,
 * and whether it is the primary bean of its type. Each model binds a subclass under its
 * own prefix. A superclass read from a jar has no Javadoc for the configuration
 * processor, so each module states the descriptions and defaults of these properties in
 * its {@code META-INF/additional-spring-configuration-metadata.json}.
 */
public abstract class LlmModelProperties {

	/**
	 * Whether to register the model.
	 */
	private boolean enabled = true;

	/**
	 * Policy under llm.policies that runs the model's calls.
	 */
	private String policy;

	/**
	 * Whether the model is the primary bean of its type.
	 */
	private boolean primary;

	/**
	 * Create the properties of a model whose calls run under the given policy by default.
	 * @param defaultPolicy the policy when none is configured
	 */
	protected LlmModelProperties(String defaultPolicy) {
		this.policy = defaultPolicy;
	}

	/**
	 * Whether to register the model.
	 * @return whether enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Whether to register the model.
	 * @param enabled whether enabled
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * Policy under llm.policies that runs the model's calls.
	 * @return the policy
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Policy under llm.policies that runs the model's calls.
	 * @param policy the policy
	 */
	public void setPolicy(String policy) {
		this.policy = policy;
	}

	/**
	 * Whether the model is the primary bean of its type.
	 * @return whether primary
	 */
	public boolean isPrimary() {
		return this.primary;
	}

	/**
	 * Whether the model is the primary bean of its type.
	 * @param primary whether primary
	 */
	public void setPrimary(boolean primary) {
		this.primary = primary;
	}

}
