package io.github.llmresilience.springai.autoconfigure;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import io.github.llmresilience.behaviour.ModelAutoConfigurationTests;
import io.github.llmresilience.behaviour.PropertyDescriptions;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.behaviour.SwitchedOff;
import io.github.llmresilience.behaviour.SwitchedOffTests;
import io.github.llmresilience.springai.LlmChatModel;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.beanFactoryOf;
import static io.github.llmresilience.behaviour.StartupFailures.causeOfType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * When {@link LlmChatModelAutoConfiguration} registers an {@link LlmChatModel}, with
 * which settings, and how it lives next to another {@code ChatModel}.
 */
class LlmChatModelAutoConfigurationTests implements ModelAutoConfigurationTests, SwitchedOffTests {

	private final ApplicationContextRunner runner = llmResilience(ToolCallingAutoConfiguration.class,
			LlmChatModelAutoConfiguration.class, ChatClientAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"llm.policies.default.provider=openai", "llm.policies.default.model=gpt-4o",
				"llm.policies.chat.provider=openai", "llm.policies.chat.model=gpt-4o-mini");

	@Override
	public AutoConfiguredModels autoConfiguredModels() {
		return new AutoConfiguredModels(this.runner, "llm.spring-ai.chat-model", List.of("default", "chat"), "chat",
				LlmChatModel.class);
	}

	@Test
	void registersTheChatModelThatChatClientUsesUnderTheDefaultPolicy() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmChatModel.class).hasSingleBean(ChatClient.Builder.class);
			LlmChatModel model = context.getBean(LlmChatModel.class);
			assertThat(context.getBean(ChatModel.class)).isSameAs(model);
			assertThat(model.getPolicy()).isEqualTo("default");
			assertThat(context.getBeanFactory().getBeanDefinition("llmChatModel").isPrimary()).isFalse();
		});
	}

	@Test
	void missingDefaultPolicyIsReportedAtTheCallAsLlmClientReportsIt() {
		llmResilience(LlmChatModelAutoConfiguration.class)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(LlmChatModel.class));
	}

	@Test
	void usesTheContextsToolCallingManager() {
		this.runner.run((context) -> assertThat(context.getBean(LlmChatModel.class)).extracting("toolCallingManager")
			.isSameAs(context.getBean(ToolCallingManager.class)));
	}

	@Override
	public List<SwitchedOff> switchesOff() {
		return List.of(
				SwitchedOff.byProperty(this.runner, "llm.spring-ai.chat-model.enabled=false", LlmChatModel.class),
				SwitchedOff.byProperty(this.runner, "llm.enabled=false", LlmChatModel.class),
				SwitchedOff.without(this.runner, List.of(ChatModel.class), LlmChatModel.class));
	}

	@Test
	void nextToAnotherChatModelBothExistWhileNothingNeedsExactlyOne() {
		this.runner.withUserConfiguration(OtherChatModelConfiguration.class)
			.run((context) -> assertThat(context).hasNotFailed().getBeans(ChatModel.class).hasSize(2));
	}

	@Test
	void primaryMakesItTheChatModelThatChatClientUsesNextToAnotherOne() {
		this.runner.withUserConfiguration(OtherChatModelConfiguration.class, ChatClientConsumerConfiguration.class)
			.withPropertyValues("llm.spring-ai.chat-model.primary=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeanFactory().getBeanDefinition("llmChatModel").isPrimary()).isTrue();
				assertThat(context.getBean(ChatModel.class)).isInstanceOf(LlmChatModel.class);
				assertThat(context.getBean("otherChatModel")).isNotInstanceOf(LlmChatModel.class);
			});
	}

	@Test
	void aPrimaryThatIsNoBooleanStopsTheStartNamingThePropertyAndItsValue() {
		this.runner.withPropertyValues("llm.spring-ai.chat-model.primary=maybe").run((context) -> {
			// What Spring Boot's analyzer of a BindException reports: the property, the
			// type it binds to and why the value does not convert.
			BindException failure = causeOfType(context, BindException.class);
			assertThat(failure.getName()).hasToString("llm.spring-ai.chat-model.primary");
			assertThat(failure.getProperty().getValue()).isEqualTo("maybe");
		});
	}

	@Test
	void nextToASpringAiProviderChatModelTheFailureOfChatClientBuilderIsExplained() {
		this.runner.withConfiguration(AutoConfigurations.of(OpenAiChatAutoConfiguration.class))
			.withUserConfiguration(ChatClientConsumerConfiguration.class)
			.withPropertyValues("spring.ai.openai.api-key=sk-test")
			.run((context) -> {
				FailureAnalysis analysis = analysisOf(context, new LlmModelConflictFailureAnalyzer(beanFactoryOf(
						Map.of("llmChatModel", LlmChatModel.class, "openAiChatModel", OpenAiChatModel.class))));
				assertThat(analysis.getDescription()).contains(
						"Parameter 2 of method chatClientBuilder in " + ChatClientAutoConfiguration.class.getName());
				autoConfiguredModels()
					.assertExplainsTwoModels(analysis, "ChatModel", "llmChatModel", LlmChatModel.class,
							"openAiChatModel", OpenAiChatModel.class)
					.contains("spring.ai.model.chat=none");
			});
	}

	@Test
	void nextToASpringAiProviderChatModelWithPrimaryChatClientUsesLlmChatModel() {
		this.runner.withConfiguration(AutoConfigurations.of(OpenAiChatAutoConfiguration.class))
			.withUserConfiguration(ChatClientConsumerConfiguration.class)
			.withPropertyValues("spring.ai.openai.api-key=sk-test", "llm.spring-ai.chat-model.primary=true")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(OpenAiChatModel.class);
				assertThat(context.getBean(ChatModel.class)).isInstanceOf(LlmChatModel.class);
			});
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void startUpNextToASpringAiProviderChatModelPrintsTheExplanation(CapturedOutput output) {
		SpringApplication application = new SpringApplication(ConflictingApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"--llm.policies.default.provider=openai", "--llm.policies.default.model=gpt-4o",
				"--spring.ai.openai.api-key=sk-test"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("- llmChatModel: llm-resilience's LlmChatModel")
			.contains("set llm.spring-ai.chat-model.primary=true")
			.doesNotContain("Consider marking one of the beans as @Primary");
	}

	@Test
	void conflictAnalyzerLeavesOtherAmbiguitiesToSpringBoot() {
		this.runner.withUserConfiguration(TwoOtherChatModelsConfiguration.class)
			.withPropertyValues("llm.spring-ai.chat-model.enabled=false")
			.run((context) -> {
				assertThat(context).hasFailed();
				BeanFactory beanFactory = beanFactoryOf(
						Map.of("firstChatModel", ChatModel.class, "secondChatModel", ChatModel.class));
				assertThat(new LlmModelConflictFailureAnalyzer(beanFactory).analyze(context.getStartupFailure()))
					.isNull();
			});
	}

	@Test
	void everyPropertyHasADescriptionInTheConfigurationMetadata() throws Exception {
		Map<String, String> descriptions = PropertyDescriptions.under("llm.spring-ai.");
		assertThat(descriptions).containsOnlyKeys("llm.spring-ai.chat-model.enabled", "llm.spring-ai.chat-model.policy",
				"llm.spring-ai.chat-model.primary", "llm.spring-ai.embedding-model.enabled",
				"llm.spring-ai.embedding-model.policy", "llm.spring-ai.embedding-model.primary");
		assertThat(descriptions.values()).allSatisfy((description) -> assertThat(description).isNotBlank());
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ WebClientAutoConfiguration.class, LlmResilienceAutoConfiguration.class,
			ToolCallingAutoConfiguration.class, LlmChatModelAutoConfiguration.class, ChatClientAutoConfiguration.class,
			OpenAiChatAutoConfiguration.class })
	@Import(ChatClientConsumerConfiguration.class)
	static class ConflictingApplication {

	}

	@Configuration(proxyBeanMethods = false)
	static class OtherChatModelConfiguration {

		@Bean
		ChatModel otherChatModel() {
			return new ChatModel() {

				@Override
				public ChatResponse call(Prompt prompt) {
					// The bean only has to exist: these tests start contexts and never
					// call it.
					throw new IllegalStateException("The other ChatModel of this test is never called");
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwoOtherChatModelsConfiguration {

		@Bean
		ChatModel firstChatModel() {
			return new OtherChatModelConfiguration().otherChatModel();
		}

		@Bean
		ChatModel secondChatModel() {
			return new OtherChatModelConfiguration().otherChatModel();
		}

		@Bean
		String needsOne(ChatModel chatModel) {
			return chatModel.toString();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ChatClientConsumerConfiguration {

		@Bean
		ChatClient chatClient(ChatClient.Builder builder) {
			return builder.build();
		}

	}

}
