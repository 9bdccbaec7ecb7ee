package io.github.llmresilience.langchain4j.autoconfigure;

import dev.langchain4j.model.embedding.EmbeddingModel;

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
import io.github.llmresilience.langchain4j.LlmEmbeddingModel;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;

/**
 * Auto-configuration of {@link LlmEmbeddingModel}, a LangChain4j {@link EmbeddingModel}
 * backed by the {@link LlmClient}, when LangChain4j is on the classpath. It backs off
 * when the application defines its own {@code LlmEmbeddingModel}. It is the primary
 * {@code EmbeddingModel} with {@code llm.langchain4j.embedding-model.primary=true}; next
 * to a LangChain4j provider's, a start-up failure to pick one is explained by
 * {@link LlmLangChain4jConflictFailureAnalyzer}.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class)
@ConditionalOnClass(EmbeddingModel.class)
@ConditionalOnBean(LlmClient.class)
@ConditionalOnBooleanProperty(name = LlmLangChain4jEmbeddingModelProperties.PREFIX + ".enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmLangChain4jEmbeddingModelProperties.class)
public final class LlmLangChain4jEmbeddingModelAutoConfiguration {

	@Bean
	static ModelPrimaryProperty llmLangChain4jEmbeddingModelPrimaryProperty(Environment environment) {
		return new ModelPrimaryProperty(environment, LlmLangChain4jEmbeddingModelProperties.PREFIX + ".primary",
				LlmLangChain4jEmbeddingModelAutoConfiguration.class);
	}

	@Bean
	@ConditionalOnMissingBean(LlmEmbeddingModel.class)
	LlmEmbeddingModel llmLangChain4jEmbeddingModel(LlmClient client, LlmLangChain4jEmbeddingModelProperties properties,
			ObjectProvider<LlmPolicies> policies) {
		String policy = ModelPolicyProperty.check(LlmLangChain4jEmbeddingModelProperties.PREFIX + ".policy",
				properties.getPolicy(), PolicyType.EMBEDDINGS, policies);
		return new LlmEmbeddingModel(client, policy);
	}

}
