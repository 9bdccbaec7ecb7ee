package io.github.llmresilience.springai.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring AI module's hints: its properties can be bound in a native image.
 */
class LlmChatModelRuntimeHintsTests {

	@Test
	void thePropertiesCanBeCreatedAndBound() {
		RuntimeHints hints = new RuntimeHints();
		new LlmChatModelRuntimeHints().registerHints(hints, getClass().getClassLoader());

		assertThat(RuntimeHintsPredicates.reflection().onType(LlmChatModelProperties.class)).accepts(hints);
		for (String setter : new String[] { "setEnabled", "setPolicy", "setPrimary" }) {
			assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(LlmChatModelProperties.class, setter))
				.as(setter)
				.accepts(hints);
		}
	}

	@Test
	void theRegistrarIsListedInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(LlmChatModelRuntimeHints.class);
	}

}
