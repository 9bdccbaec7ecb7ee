package io.github.llmresilience.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What binding {@code llm.*} reaches by reflection, for an application compiled ahead of
 * time: {@link LlmProperties} and every nested properties class, as Spring Boot binds
 * them, and the accessors {@link PropertyLayers} layers the groups of settings with.
 */
final class LlmPropertiesRuntimeHints implements RuntimeHintsRegistrar {

	/**
	 * The groups of settings that {@link PropertyLayers} layers.
	 */
	static final List<Class<?>> LAYERED = List.of(LlmProperties.Retry.class, LlmProperties.CircuitBreaker.class,
			LlmProperties.RetryBudget.class, LlmProperties.Hedge.class);

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		BindableRuntimeHintsRegistrar.forTypes(LlmProperties.class).registerHints(hints, classLoader);
		for (Class<?> layered : LAYERED) {
			hints.reflection().registerType(layered, MemberCategory.INVOKE_PUBLIC_METHODS);
		}
	}

}
