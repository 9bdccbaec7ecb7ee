package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The LangChain4j module's hints: its properties can be bound in a native image.
 */
class LlmLangChain4jRuntimeHintsTests {

	@ParameterizedTest
	@ValueSource(classes = { LlmLangChain4jProperties.class, LlmLangChain4jEmbeddingModelProperties.class })
	void thePropertiesCanBeCreatedAndBound(Class<?> properties) {
		RuntimeHints hints = new RuntimeHints();
		new LlmLangChain4jRuntimeHints().registerHints(hints, getClass().getClassLoader());

		assertThat(RuntimeHintsPredicates.reflection().onType(properties)).accepts(hints);
		// Its own setters and those it inherits from LlmModelProperties.
		assertThat(Arrays.stream(properties.getMethods())
			.filter((method) -> method.getName().startsWith("set") && method.getParameterCount() == 1))
			.isNotEmpty()
			.allSatisfy((setter) -> assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(setter))
				.as(setter.getName())
				.accepts(hints));
	}

	@Test
	void theRegistrarIsListedInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(LlmLangChain4jRuntimeHints.class);
	}

}
