package io.github.llmresilience.langchain4j.autoconfigure;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;

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
import io.github.llmresilience.langchain4j.LlmChatModel;
import io.github.llmresilience.langchain4j.LlmStreamingChatModel;
import io.github.llmresilience.policy.LlmPolicies;

/**
 * Auto-configuration of {@link LlmChatModel} and {@link LlmStreamingChatModel},
 * LangChain4j's {@code ChatModel} and {@code StreamingChatModel} backed by the
 * {@link LlmClient}, when LangChain4j is on the classpath. The {@code ChatModelListener}
 * beans are given to both, in order. They are the primary models with
 * {@code llm.langchain4j.chat-model.primary=true}; next to a LangChain4j provider's
 * models, a start-up failure to pick one is explained by
 * {@link LlmLangChain4jConflictFailureAnalyzer}.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class)
@ConditionalOnClass(ChatModel.class)
@ConditionalOnBean(LlmClient.class)
@ConditionalOnBooleanProperty(name = LlmLangChain4jProperties.PREFIX + ".enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmLangChain4jProperties.class)
public final class LlmLangChain4jAutoConfiguration {

	@Bean
	static ModelPrimaryProperty llmLangChain4jChatModelPrimaryProperty(Environment environment) {
		return new ModelPrimaryProperty(environment, LlmLangChain4jProperties.PREFIX + ".primary",
				LlmLangChain4jAutoConfiguration.class);
	}

	@Bean
	@ConditionalOnMissingBean(LlmChatModel.class)
	LlmChatModel llmLangChain4jChatModel(LlmClient client, LlmLangChain4jProperties properties,
			ObjectProvider<LlmPolicies> policies, ObjectProvider<ChatModelListener> listeners) {
		return new LlmChatModel(client, policy(properties, policies), DefaultChatRequestParameters.EMPTY,
				listeners.orderedStream().toList(), properties.getSupportedCapabilities());
	}

	@Bean
	@ConditionalOnMissingBean(LlmStreamingChatModel.class)
	LlmStreamingChatModel llmLangChain4jStreamingChatModel(LlmClient client, LlmLangChain4jProperties properties,
			ObjectProvider<LlmPolicies> policies, ObjectProvider<ChatModelListener> listeners) {
		return new LlmStreamingChatModel(client, policy(properties, policies), DefaultChatRequestParameters.EMPTY,
				listeners.orderedStream().toList(), properties.getSupportedCapabilities());
	}

	private static String policy(LlmLangChain4jProperties properties, ObjectProvider<LlmPolicies> policies) {
		return ModelPolicyProperty.check(LlmLangChain4jProperties.PREFIX + ".policy", properties.getPolicy(),
				PolicyType.CHAT, policies);
	}

}
