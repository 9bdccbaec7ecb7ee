package io.github.llmresilience.springai.autoconfigure;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.model.openai.autoconfigure.OpenAiEmbeddingAutoConfiguration;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.behaviour.ModelAutoConfigurationTests;
import io.github.llmresilience.behaviour.SwitchedOff;
import io.github.llmresilience.behaviour.SwitchedOffTests;
import io.github.llmresilience.springai.LlmEmbeddingModel;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.beanFactoryOf;
import static io.github.llmresilience.behaviour.StartupFailures.failsToStart;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Auto-configuration of {@link LlmEmbeddingModel}: when it exists, which policy it runs,
 * when it backs off, and how a conflict with another {@code EmbeddingModel} is explained.
 */
class LlmEmbeddingModelAutoConfigurationTests implements ModelAutoConfigurationTests, SwitchedOffTests {

	private final ApplicationContextRunner runner = llmResilience(LlmEmbeddingModelAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"llm.policies.embeddings.type=embeddings", "llm.policies.embeddings.model=text-embedding-3-small",
				"llm.policies.vectors.type=embeddings", "llm.policies.vectors.model=text-embedding-3-large",
				"llm.policies.default.model=gpt-4o");

	@Override
	public AutoConfiguredModels autoConfiguredModels() {
		return new AutoConfiguredModels(this.runner, "llm.spring-ai.embedding-model",
				List.of("embeddings", "vectors", "default"), "vectors", LlmEmbeddingModel.class);
	}

	@Test
	void registersTheEmbeddingModelUnderTheEmbeddingsPolicy() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmEmbeddingModel.class);
			assertThat(context.getBean(EmbeddingModel.class)).isSameAs(context.getBean(LlmEmbeddingModel.class));
			assertThat(context.getBean(LlmEmbeddingModel.class).getPolicy()).isEqualTo("embeddings");
		});
	}

	@Test
	void aChatPolicyFailsStartUpNamingItsType() {
		this.runner.withPropertyValues("llm.spring-ai.embedding-model.policy=default")
			.run(failsToStart(InvalidConfigurationPropertyValueException.class, "llm.spring-ai.embedding-model.policy",
					"llm.policies.default.type"));
	}

	@Test
	void aMissingEmbeddingsPolicyIsReportedAtTheCallAsLlmClientReportsIt() {
		llmResilience(LlmEmbeddingModelAutoConfiguration.class)
			.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(LlmEmbeddingModel.class));
	}

	@Override
	public List<SwitchedOff> switchesOff() {
		return List.of(
				SwitchedOff.byProperty(this.runner, "llm.spring-ai.embedding-model.enabled=false",
						LlmEmbeddingModel.class),
				SwitchedOff.byProperty(this.runner, "llm.enabled=false", LlmEmbeddingModel.class),
				SwitchedOff.without(this.runner, List.of(EmbeddingModel.class), LlmEmbeddingModel.class));
	}

	@Test
	void nextToASpringAiProviderEmbeddingModelTheFailureOfAVectorStoreIsExplained() {
		this.runner.withConfiguration(AutoConfigurations.of(OpenAiEmbeddingAutoConfiguration.class))
			.withUserConfiguration(VectorStoreLikeConfiguration.class)
			.withPropertyValues("spring.ai.openai.api-key=sk-test")
			.run((context) -> {
				FailureAnalysis analysis = analysisOf(context,
						new LlmModelConflictFailureAnalyzer(beanFactoryOf(Map.of("llmEmbeddingModel",
								LlmEmbeddingModel.class, "openAiEmbeddingModel", OpenAiEmbeddingModel.class))));
				autoConfiguredModels()
					.assertExplainsTwoModels(analysis, "EmbeddingModel", "llmEmbeddingModel", LlmEmbeddingModel.class,
							"openAiEmbeddingModel", OpenAiEmbeddingModel.class)
					.contains("spring.ai.model.embedding=none");
			});
	}

	@Test
	void primaryMakesItTheEmbeddingModelAVectorStoreUsesNextToASpringAiProviders() {
		this.runner.withConfiguration(AutoConfigurations.of(OpenAiEmbeddingAutoConfiguration.class))
			.withUserConfiguration(VectorStoreLikeConfiguration.class)
			.withPropertyValues("spring.ai.openai.api-key=sk-test", "llm.spring-ai.embedding-model.primary=true")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(OpenAiEmbeddingModel.class);
				assertThat(context.getBean(EmbeddingModel.class)).isInstanceOf(LlmEmbeddingModel.class);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class VectorStoreLikeConfiguration {

		@Bean
		String needsOneEmbeddingModel(EmbeddingModel model) {
			return model.toString();
		}

	}

}
