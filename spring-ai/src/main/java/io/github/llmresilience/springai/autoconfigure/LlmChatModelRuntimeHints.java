package io.github.llmresilience.springai.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What the Spring AI module reaches by reflection, for an application compiled ahead of
 * time: binding its properties to {@link LlmChatModelProperties}. The module serializes
 * none of its own types ({@code LlmChatModel} reads a tool call's arguments and a schema
 * into maps) and calls no method of a user's bean, so it needs no bean registration
 * processor.
 */
final class LlmChatModelRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		BindableRuntimeHintsRegistrar.forTypes(LlmChatModelProperties.class).registerHints(hints, classLoader);
	}

}
