package io.github.llmresilience.sample;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@link SupportAgent} AI Service, built on llm-resilience's LangChain4j
 * {@code ChatModel}.
 */
@Configuration(proxyBeanMethods = false)
class SupportAgentConfiguration {

	@Bean
	SupportAgent supportAgent(ChatModel chatModel) {
		return AiServices.builder(SupportAgent.class).chatModel(chatModel).build();
	}

}
