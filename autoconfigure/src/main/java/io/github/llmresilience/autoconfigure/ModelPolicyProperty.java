package io.github.llmresilience.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.ResolvedPolicy;

/**
 * The {@code policy} property of a model backed by llm-resilience (the Spring AI and
 * LangChain4j modules' {@code ChatModel}s and {@code EmbeddingModel}s), checked when the
 * model is created, so that a policy that does not exist stops the start-up with the
 * property's name.
 */
public final class ModelPolicyProperty {

	private ModelPolicyProperty() {
	}

	/**
	 * Check the policy a model's property names. A policy that does not exist fails,
	 * except the one calls of that type name by default ({@code default},
	 * {@code embeddings}): that one is reported at the call, as {@code LlmClient} reports
	 * it. An embedding model's policy that serves chat completions fails too.
	 * @param property the property, such as {@code llm.spring-ai.chat-model.policy}
	 * @param policy the policy it names
	 * @param type what the model calls
	 * @param policies the policies, if llm-resilience's are available
	 * @return the policy
	 * @throws InvalidConfigurationPropertyValueException if the policy does not fit
	 */
	public static String check(String property, String policy, PolicyType type, ObjectProvider<LlmPolicies> policies) {
		LlmPolicies known = policies.getIfAvailable();
		if (known == null) {
			return policy;
		}
		String byDefault = (type == PolicyType.EMBEDDINGS) ? LlmClient.EMBEDDINGS_POLICY : LlmPolicies.DEFAULT;
		if (!byDefault.equals(policy) && !known.contains(policy)) {
			throw new InvalidConfigurationPropertyValueException(property, policy, known.missing(policy));
		}
		ResolvedPolicy resolved = known.contains(policy) ? known.get(policy) : null;
		if (type == PolicyType.EMBEDDINGS && resolved != null && resolved.type() != PolicyType.EMBEDDINGS) {
			throw new InvalidConfigurationPropertyValueException(property, policy,
					"Policy '" + policy + "' serves chat completions: set llm.policies." + policy
							+ ".type to embeddings, or name a policy of that type");
		}
		return policy;
	}

}
