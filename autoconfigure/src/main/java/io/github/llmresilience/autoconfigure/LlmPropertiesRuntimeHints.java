package io.github.llmresilience.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What binding {@code llm.*} reaches by reflection, for an application compiled ahead of
 * time: {@link LlmProperties} and every nested properties class, as Spring Boot binds
 * them.
 */
final class LlmPropertiesRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		BindableRuntimeHintsRegistrar.forTypes(LlmProperties.class).registerHints(hints, classLoader);
	}

}
