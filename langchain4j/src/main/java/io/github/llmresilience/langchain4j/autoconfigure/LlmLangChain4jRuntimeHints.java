package io.github.llmresilience.langchain4j.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What the LangChain4j module reaches by reflection, for an application compiled ahead of
 * time: binding its properties to {@link LlmLangChain4jProperties}.
 */
final class LlmLangChain4jRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		BindableRuntimeHintsRegistrar.forTypes(LlmLangChain4jProperties.class).registerHints(hints, classLoader);
	}

}
