package io.github.llmresilience.springai.autoconfigure;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.model.tool.ToolCallingManager;
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
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.springai.LlmChatModel;
import io.github.llmresilience.springai.LlmChatOptions;

/**
 * Auto-configuration of {@link LlmChatModel}, a Spring AI {@link ChatModel} backed by the
 * {@link LlmClient}, when Spring AI's model API is on the classpath. It is the primary
 * {@code ChatModel} with {@code llm.spring-ai.chat-model.primary=true}; next to another
 * {@code ChatModel} that is not primary either, a start-up failure to pick one (as
 * {@code ChatClient.Builder} needs) is explained by
 * {@link LlmModelConflictFailureAnalyzer}.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class,
		afterName = "org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration",
		beforeName = "org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration")
@ConditionalOnClass(ChatModel.class)
@ConditionalOnBean(LlmClient.class)
@ConditionalOnBooleanProperty(name = LlmChatModelProperties.PREFIX + ".enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmChatModelProperties.class)
public final class LlmChatModelAutoConfiguration {

	@Bean
	static ModelPrimaryProperty llmChatModelPrimaryProperty(Environment environment) {
		return new ModelPrimaryProperty(environment, LlmChatModelProperties.PREFIX + ".primary",
				LlmChatModelAutoConfiguration.class);
	}

	@Bean
	@ConditionalOnMissingBean(LlmChatModel.class)
	LlmChatModel llmChatModel(LlmClient client, LlmChatModelProperties properties, ObjectProvider<LlmPolicies> policies,
			ObjectProvider<ToolCallingManager> toolCallingManager) {
		String policy = ModelPolicyProperty.check(LlmChatModelProperties.PREFIX + ".policy", properties.getPolicy(),
				PolicyType.CHAT, policies);
		return new LlmChatModel(client, policy, LlmChatOptions.builder().build(),
				toolCallingManager.getIfAvailable(() -> ToolCallingManager.builder().build()));
	}

}
