package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.List;
import java.util.Map;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.behaviour.ModelAutoConfigurationTests;
import io.github.llmresilience.behaviour.SwitchedOff;
import io.github.llmresilience.behaviour.SwitchedOffTests;
import io.github.llmresilience.langchain4j.LlmEmbeddingModel;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.beanFactoryOf;
import static io.github.llmresilience.behaviour.StartupFailures.failsToStart;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When {@link LlmLangChain4jEmbeddingModelAutoConfiguration} registers the LangChain4j
 * {@code EmbeddingModel}, and with which policy.
 */
class LlmLangChain4jEmbeddingModelAutoConfigurationTests implements ModelAutoConfigurationTests, SwitchedOffTests {

	private final ApplicationContextRunner runner = llmResilience(LlmLangChain4jEmbeddingModelAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"llm.policies.default.provider=openai", "llm.policies.default.model=gpt-4o",
				"llm.policies.vectors.type=embeddings", "llm.policies.vectors.provider=openai",
				"llm.policies.vectors.model=text-embedding-3-small");

	@Override
	public AutoConfiguredModels autoConfiguredModels() {
		return new AutoConfiguredModels(this.runner, "llm.langchain4j.embedding-model", List.of("default", "vectors"),
				"vectors", LlmEmbeddingModel.class);
	}

	@Test
	void registersTheModelUnderTheEmbeddingsPolicy() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(EmbeddingModel.class);
			assertThat(context.getBean(LlmEmbeddingModel.class).getPolicy()).isEqualTo("embeddings");
		});
	}

	@Test
	void aChatPolicyFailsStartUpNamingItsType() {
		this.runner.withPropertyValues("llm.langchain4j.embedding-model.policy=default")
			.run(failsToStart(InvalidConfigurationPropertyValueException.class,
					"llm.langchain4j.embedding-model.policy", "llm.policies.default.type to embeddings"));
	}

	@Test
	void backsOffForAnApplicationsOwnModelUnderItsName() {
		autoConfiguredModels().withOwnModels(this.runner)
			.run((context) -> assertThat(context).hasSingleBean(EmbeddingModel.class).hasBean("myLlmEmbeddingModel"));
	}

	@Override
	public List<SwitchedOff> switchesOff() {
		return List.of(
				SwitchedOff.byProperty(this.runner, "llm.langchain4j.embedding-model.enabled=false",
						EmbeddingModel.class),
				SwitchedOff.byProperty(this.runner, "llm.enabled=false", LlmClient.class, EmbeddingModel.class),
				SwitchedOff.without(this.runner, List.of(EmbeddingModel.class), LlmEmbeddingModel.class));
	}

	@Test
	void primaryMakesItTheModelInjectedByTypeNextToLangChain4jsOpenAiModel() {
		this.runner
			.withUserConfiguration(LangChain4jOpenAiEmbeddingModelConfiguration.class, ConsumerConfiguration.class)
			.withPropertyValues("llm.langchain4j.embedding-model.primary=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(EmbeddingModel.class)).isInstanceOf(LlmEmbeddingModel.class);
				assertThat(context.getBean("openAiEmbeddingModel")).isInstanceOf(OpenAiEmbeddingModel.class);
			});
	}

	@Test
	void nextToLangChain4jsOpenAiModelTheFailureToInjectOneIsExplained() {
		this.runner
			.withUserConfiguration(LangChain4jOpenAiEmbeddingModelConfiguration.class, ConsumerConfiguration.class)
			.run((context) -> {
				FailureAnalysis analysis = analysisOf(context,
						new LlmLangChain4jConflictFailureAnalyzer(beanFactoryOf(Map.of("llmLangChain4jEmbeddingModel",
								LlmEmbeddingModel.class, "openAiEmbeddingModel", OpenAiEmbeddingModel.class))));
				autoConfiguredModels()
					.assertExplainsTwoModels(analysis, "EmbeddingModel", "llmLangChain4jEmbeddingModel",
							LlmEmbeddingModel.class, "openAiEmbeddingModel", OpenAiEmbeddingModel.class)
					.contains("langchain4j.open-ai.embedding-model.api-key");
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class LangChain4jOpenAiEmbeddingModelConfiguration {

		@Bean
		OpenAiEmbeddingModel openAiEmbeddingModel() {
			return OpenAiEmbeddingModel.builder().apiKey("sk-test").modelName("text-embedding-3-small").build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConsumerConfiguration {

		@Bean
		Object embeddingModelConsumer(EmbeddingModel embeddingModel) {
			return new Object();
		}

	}

}
