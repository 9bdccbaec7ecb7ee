package io.github.llmresilience.client;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What the OpenAI client reaches by reflection, for an application compiled ahead of time
 * (a native image): Jackson binds the wire records through their canonical constructors
 * and accessors, under the JSON names their annotations give (and writes a request's
 * pass-through parameters through its any-getter); the {@code User-Agent} reads the
 * version resource when the classes run outside the jar.
 */
final class OpenAiWireRuntimeHints implements RuntimeHintsRegistrar {

	/**
	 * The resource {@link UserAgent} reads the version from.
	 */
	static final String VERSION_RESOURCE = "io/github/llmresilience/client/llm-resilience-version.properties";

	private final BindingReflectionHintsRegistrar bindings = new BindingReflectionHintsRegistrar();

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		// The types each of these refers to (messages, choices, tool calls, usage...)
		// are registered with them.
		this.bindings.registerReflectionHints(hints.reflection(), OpenAiWire.WireRequest.class,
				OpenAiWire.WireCompletion.class, OpenAiWire.WireEmbeddingsRequest.class,
				OpenAiWire.WireEmbeddings.class);
		hints.resources().registerPattern(VERSION_RESOURCE);
	}

}
