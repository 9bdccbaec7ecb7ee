package io.github.llmresilience.springai.autoconfigure;

import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.autoconfigure.ModelPolicyProperty;
import io.github.llmresilience.autoconfigure.ModelPrimaryProperty;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.springai.LlmEmbeddingModel;

/**
 * Auto-configuration of {@link LlmEmbeddingModel}, a Spring AI {@link EmbeddingModel}
 * backed by the {@link LlmClient}, when Spring AI's model API is on the classpath. It is
 * the primary {@code EmbeddingModel} with
 * {@code llm.spring-ai.embedding-model.primary=true}; next to another
 * {@code EmbeddingModel} that is not primary either, a start-up failure to pick one (as a
 * {@code VectorStore} needs) is explained by {@link LlmModelConflictFailureAnalyzer}.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class)
@ConditionalOnClass(EmbeddingModel.class)
@ConditionalOnBean(LlmClient.class)
@ConditionalOnBooleanProperty(name = LlmEmbeddingModelProperties.PREFIX + ".enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmEmbeddingModelProperties.class)
public final class LlmEmbeddingModelAutoConfiguration {

	@Bean
	static ModelPrimaryProperty llmEmbeddingModelPrimaryProperty(Environment environment) {
		return new ModelPrimaryProperty(environment, LlmEmbeddingModelProperties.PREFIX + ".primary",
				LlmEmbeddingModelAutoConfiguration.class);
	}

	@Bean
	@ConditionalOnMissingBean(LlmEmbeddingModel.class)
	LlmEmbeddingModel llmEmbeddingModel(LlmClient client, LlmEmbeddingModelProperties properties,
			ObjectProvider<LlmPolicies> policies) {
		String policy = ModelPolicyProperty.check(LlmEmbeddingModelProperties.PREFIX + ".policy",
				properties.getPolicy(), PolicyType.EMBEDDINGS, policies);
		return new LlmEmbeddingModel(client, policy);
	}

}
