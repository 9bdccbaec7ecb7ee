package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.List;
import java.util.Map;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.IllegalConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;

import io.github.llmresilience.behaviour.ModelAutoConfigurationTests;
import io.github.llmresilience.behaviour.PropertyDescriptions;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.behaviour.SwitchedOff;
import io.github.llmresilience.behaviour.SwitchedOffTests;
import io.github.llmresilience.langchain4j.LlmChatModel;
import io.github.llmresilience.langchain4j.LlmStreamingChatModel;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.beanFactoryOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * When {@link LlmLangChain4jAutoConfiguration} registers the LangChain4j models, with
 * which settings, and how they live next to LangChain4j's own.
 */
class LlmLangChain4jAutoConfigurationTests implements ModelAutoConfigurationTests, SwitchedOffTests {

	private final ApplicationContextRunner runner = llmResilience(LlmLangChain4jAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"llm.policies.default.provider=openai", "llm.policies.default.model=gpt-4o",
				"llm.policies.chat.provider=openai", "llm.policies.chat.model=gpt-4o-mini");

	@Override
	public AutoConfiguredModels autoConfiguredModels() {
		return new AutoConfiguredModels(this.runner, "llm.langchain4j.chat-model", List.of("default", "chat"), "chat",
				LlmChatModel.class, LlmStreamingChatModel.class);
	}

	@Test
	void registersBothModelsUnderTheDefaultPolicyWithTheListenersInOrder() {
		this.runner.withUserConfiguration(ListenersConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ChatModel.class).hasSingleBean(StreamingChatModel.class);
			LlmChatModel chatModel = context.getBean(LlmChatModel.class);
			LlmStreamingChatModel streamingChatModel = context.getBean(LlmStreamingChatModel.class);
			assertThat(chatModel.getPolicy()).isEqualTo("default");
			assertThat(streamingChatModel.getPolicy()).isEqualTo("default");
			assertThat(chatModel.listeners()).containsExactly(context.getBean("firstListener", ChatModelListener.class),
					context.getBean("secondListener", ChatModelListener.class));
			assertThat(streamingChatModel.listeners()).isEqualTo(chatModel.listeners());
			assertThat(chatModel.supportedCapabilities()).containsExactly(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
		});
	}

	@Test
	void runsCallsWithTheConfiguredCapabilities() {
		this.runner.withPropertyValues("llm.langchain4j.chat-model.supported-capabilities=")
			.run((context) -> assertThat(context.getBean(LlmChatModel.class).supportedCapabilities()).isEmpty());
	}

	@Override
	public List<SwitchedOff> switchesOff() {
		return List.of(
				SwitchedOff.byProperty(this.runner, "llm.langchain4j.chat-model.enabled=false", ChatModel.class,
						StreamingChatModel.class),
				SwitchedOff.byProperty(this.runner, "llm.enabled=false", LlmClient.class, ChatModel.class),
				SwitchedOff.without(this.runner, List.of(ChatModel.class), LlmChatModel.class));
	}

	@Test
	void primaryMakesThemTheModelsInjectedByTypeNextToLangChain4jsOpenAiModels() {
		this.runner.withUserConfiguration(LangChain4jOpenAiModelsConfiguration.class, ConsumerConfiguration.class)
			.withPropertyValues("llm.langchain4j.chat-model.primary=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ChatModel.class)).isInstanceOf(LlmChatModel.class);
				assertThat(context.getBean(StreamingChatModel.class)).isInstanceOf(LlmStreamingChatModel.class);
				assertThat(context.getBean("openAiChatModel")).isInstanceOf(OpenAiChatModel.class);
			});
	}

	@Test
	void nextToLangChain4jsOpenAiModelTheFailureToInjectOneIsExplained() {
		this.runner.withUserConfiguration(LangChain4jOpenAiModelsConfiguration.class, ConsumerConfiguration.class)
			.run((context) -> {
				FailureAnalysis analysis = analysisOf(context,
						new LlmLangChain4jConflictFailureAnalyzer(beanFactoryOf(Map.of("llmLangChain4jChatModel",
								LlmChatModel.class, "openAiChatModel", OpenAiChatModel.class,
								"llmLangChain4jStreamingChatModel", LlmStreamingChatModel.class,
								"openAiStreamingChatModel", OpenAiStreamingChatModel.class))));
				autoConfiguredModels()
					.assertExplainsTwoModels(analysis, "ChatModel", "llmLangChain4jChatModel", LlmChatModel.class,
							"openAiChatModel", OpenAiChatModel.class)
					.contains("langchain4j.open-ai.chat-model.api-key");
			});
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void startUpNextToLangChain4jsOpenAiModelPrintsTheExplanation(CapturedOutput output) {
		SpringApplication application = new SpringApplication(ConflictingApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"--llm.policies.default.provider=openai", "--llm.policies.default.model=gpt-4o"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("- llmLangChain4jChatModel: llm-resilience's LlmChatModel")
			.contains("set llm.langchain4j.chat-model.primary=true")
			.doesNotContain("Consider marking one of the beans as @Primary");
	}

	@Test
	void langChain4jsAutomaticAiServiceWiringConflictIsExplained() {
		// The exception LangChain4j's Boot 4 starter throws
		// (AiServicesAutoConfiguration#conflict in
		// langchain4j/langchain4j-spring) when an @AiService is wired automatically next
		// to two
		// streaming models.
		IllegalConfigurationException conflict = IllegalConfigurationException.illegalConfiguration(
				"Conflict: multiple beans of type %s are found: %s. Please specify which one you wish to wire in "
						+ "the @AiService annotation like this: @AiService(wiringMode = EXPLICIT, %s = \"<beanName>\").",
				StreamingChatModel.class.getName(), "[llmLangChain4jStreamingChatModel, openAiStreamingChatModel]",
				"streamingChatModel");
		BeanFactory beanFactory = beanFactoryOf(Map.of("llmLangChain4jStreamingChatModel", LlmStreamingChatModel.class,
				"openAiStreamingChatModel", OpenAiStreamingChatModel.class));
		FailureAnalysis analysis = new LlmAiServiceConflictFailureAnalyzer(beanFactory).analyze(conflict);
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription())
			.contains("LangChain4j's automatic @AiService wiring needs one StreamingChatModel, but there are 2")
			.contains("- llmLangChain4jStreamingChatModel: llm-resilience's LlmStreamingChatModel")
			.contains("- openAiStreamingChatModel (" + OpenAiStreamingChatModel.class.getName() + ")");
		assertThat(analysis.getAction())
			.contains("@AiService(wiringMode = EXPLICIT, streamingChatModel = \"llmLangChain4jStreamingChatModel\")")
			.contains("llm.langchain4j.chat-model.enabled=false")
			.contains("langchain4j.open-ai.streaming-chat-model.api-key");
	}

	@Test
	void conflictAnalyzersLeaveOtherConflictsAlone() {
		BeanFactory beanFactory = beanFactoryOf(
				Map.of("firstChatModel", OpenAiChatModel.class, "secondChatModel", OpenAiChatModel.class));
		IllegalConfigurationException conflict = IllegalConfigurationException.illegalConfiguration(
				"Conflict: multiple beans of type %s are found: %s.", ChatModel.class.getName(),
				"[firstChatModel, secondChatModel]");
		assertThat(new LlmAiServiceConflictFailureAnalyzer(beanFactory).analyze(conflict)).isNull();
		this.runner.withUserConfiguration(LangChain4jOpenAiModelsConfiguration.class, ConsumerConfiguration.class)
			.withPropertyValues("llm.langchain4j.chat-model.enabled=false")
			.withBean("secondChatModel", ChatModel.class, () -> OpenAiChatModel.builder().apiKey("sk-test").build())
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(new LlmLangChain4jConflictFailureAnalyzer(beanFactory).analyze(context.getStartupFailure()))
					.isNull();
			});
	}

	@Test
	void everyPropertyHasADescriptionInTheConfigurationMetadata() throws Exception {
		Map<String, String> descriptions = PropertyDescriptions.under("llm.langchain4j.");
		assertThat(descriptions).containsOnlyKeys("llm.langchain4j.chat-model.enabled",
				"llm.langchain4j.chat-model.policy", "llm.langchain4j.chat-model.primary",
				"llm.langchain4j.chat-model.supported-capabilities", "llm.langchain4j.embedding-model.enabled",
				"llm.langchain4j.embedding-model.policy", "llm.langchain4j.embedding-model.primary");
		assertThat(descriptions.values()).allSatisfy((description) -> assertThat(description).isNotBlank());
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ WebClientAutoConfiguration.class, LlmResilienceAutoConfiguration.class,
			LlmLangChain4jAutoConfiguration.class })
	@Import({ LangChain4jOpenAiModelsConfiguration.class, ConsumerConfiguration.class })
	static class ConflictingApplication {

	}

	@Configuration(proxyBeanMethods = false)
	static class ListenersConfiguration {

		@Bean
		@Order(2)
		ChatModelListener secondListener() {
			return new ChatModelListener() {
			};
		}

		@Bean
		@Order(1)
		ChatModelListener firstListener() {
			return new ChatModelListener() {
			};
		}

	}

	/**
	 * The models LangChain4j's OpenAI Boot starter registers, under the names it gives
	 * them, when {@code langchain4j.open-ai.chat-model.api-key} and
	 * {@code langchain4j.open-ai.streaming-chat-model.api-key} are set.
	 */
	@Configuration(proxyBeanMethods = false)
	static class LangChain4jOpenAiModelsConfiguration {

		@Bean
		OpenAiChatModel openAiChatModel() {
			return OpenAiChatModel.builder().apiKey("sk-test").modelName("gpt-4o-mini").build();
		}

		@Bean
		OpenAiStreamingChatModel openAiStreamingChatModel() {
			return OpenAiStreamingChatModel.builder().apiKey("sk-test").modelName("gpt-4o-mini").build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConsumerConfiguration {

		@Bean
		Object chatModelConsumer(ChatModel chatModel, StreamingChatModel streamingChatModel) {
			return new Object();
		}

	}

}
