package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The LangChain4j module's hints: its properties can be bound in a native image.
 */
class LlmLangChain4jRuntimeHintsTests {

	@Test
	void thePropertiesCanBeCreatedAndBound() {
		RuntimeHints hints = new RuntimeHints();
		new LlmLangChain4jRuntimeHints().registerHints(hints, getClass().getClassLoader());

		assertThat(RuntimeHintsPredicates.reflection().onType(LlmLangChain4jProperties.class)).accepts(hints);
		assertThat(Arrays.stream(LlmLangChain4jProperties.class.getDeclaredMethods())
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
