package io.github.llmresilience.autoconfigure;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints for binding {@code llm.*}: every properties class can be created and every
 * property set.
 */
class LlmPropertiesRuntimeHintsTests {

	private final RuntimeHints hints = registered();

	@Test
	void everyPropertiesClassCanBeCreatedAndBound() {
		List<Class<?>> types = Arrays.stream(LlmProperties.class.getDeclaredClasses())
			.filter((type) -> !type.isEnum())
			.toList();
		assertThat(types).extracting(Class::getSimpleName)
			.contains("Provider", "Defaults", "Retry", "CircuitBreaker", "Policy", "Target", "Call", "SharedState");
		for (Class<?> type : concat(LlmProperties.class, types)) {
			assertThat(RuntimeHintsPredicates.reflection().onType(type)).as(type.getSimpleName()).accepts(this.hints);
			Arrays.stream(type.getDeclaredMethods())
				.filter((method) -> method.getName().startsWith("set") && method.getParameterCount() == 1)
				.forEach((setter) -> assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(setter))
					.as("%s.%s", type.getSimpleName(), setter.getName())
					.accepts(this.hints));
		}
	}

	@Test
	void theLayeredGroupsCanBeReadAndWrittenThroughTheirAccessors() {
		for (Class<?> type : LlmPropertiesRuntimeHints.LAYERED) {
			Arrays.stream(type.getDeclaredMethods())
				.filter((method) -> method.getName().startsWith("get") || method.getName().startsWith("set"))
				.forEach((accessor) -> assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(accessor))
					.as("%s.%s", type.getSimpleName(), accessor.getName())
					.accepts(this.hints));
		}
	}

	@Test
	void theRegistrarIsListedInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(LlmPropertiesRuntimeHints.class);
	}

	private static List<Class<?>> concat(Class<?> first, List<Class<?>> rest) {
		return java.util.stream.Stream.concat(java.util.stream.Stream.of(first), rest.stream()).toList();
	}

	private static RuntimeHints registered() {
		RuntimeHints hints = new RuntimeHints();
		new LlmPropertiesRuntimeHints().registerHints(hints, LlmPropertiesRuntimeHintsTests.class.getClassLoader());
		return hints;
	}

}
