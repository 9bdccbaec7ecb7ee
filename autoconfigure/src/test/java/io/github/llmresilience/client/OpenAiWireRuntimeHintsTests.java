package io.github.llmresilience.client;

import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints of the OpenAI client: every wire record Jackson binds, with its constructor,
 * its accessors and the fields that carry its JSON names, and the version resource.
 */
class OpenAiWireRuntimeHintsTests {

	private final RuntimeHints hints = registered();

	@Test
	void everyWireRecordCanBeBoundByJackson() {
		List<Class<?>> wireRecords = Arrays.stream(OpenAiWire.class.getDeclaredClasses())
			.filter((type) -> type.isRecord() && type.getSimpleName().startsWith("Wire"))
			.toList();
		assertThat(wireRecords).hasSizeGreaterThanOrEqualTo(11);
		for (Class<?> wire : wireRecords) {
			assertThat(RuntimeHintsPredicates.reflection()
				.onType(wire)
				.withMemberCategories(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS,
						MemberCategory.ACCESS_DECLARED_FIELDS))
				.as("constructors and fields of %s", wire.getSimpleName())
				.accepts(this.hints);
			for (RecordComponent component : wire.getRecordComponents()) {
				assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(component.getAccessor()))
					.as("%s.%s()", wire.getSimpleName(), component.getName())
					.accepts(this.hints);
			}
		}
	}

	@Test
	void theFieldsThatCarryTheJsonNamesAreRegistered() throws NoSuchFieldException {
		Field maxTokens = OpenAiWire.WireRequest.class.getDeclaredField("maxTokens");
		assertThat(maxTokens.getAnnotation(JsonProperty.class).value()).isEqualTo("max_tokens");
		assertThat(RuntimeHintsPredicates.reflection().onFieldAccess(maxTokens)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onFieldAccess(OpenAiWire.WireUsage.class.getDeclaredField("promptTokens"))).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onFieldAccess(OpenAiWire.WireChoice.class.getDeclaredField("finishReason"))).accepts(this.hints);
	}

	@Test
	void aRequestsPassThroughParametersAreWrittenThroughItsAnyGetter() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(OpenAiWire.WireRequest.class, "anyParams"))
			.accepts(this.hints);
	}

	@Test
	void theVersionResourceIsIncluded() {
		assertThat(OpenAiWireRuntimeHints.class.getClassLoader().getResource(OpenAiWireRuntimeHints.VERSION_RESOURCE))
			.isNotNull();
		assertThat(RuntimeHintsPredicates.resource().forResource(OpenAiWireRuntimeHints.VERSION_RESOURCE))
			.accepts(this.hints);
	}

	@Test
	void theRegistrarIsListedInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(OpenAiWireRuntimeHints.class);
	}

	private static RuntimeHints registered() {
		RuntimeHints hints = new RuntimeHints();
		new OpenAiWireRuntimeHints().registerHints(hints, OpenAiWireRuntimeHintsTests.class.getClassLoader());
		return hints;
	}

}
