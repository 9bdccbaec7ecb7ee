package io.github.llmresilience.springai;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * How {@link LlmChatOptions} are built, copied and combined, as {@code ChatClient}
 * combines a model's defaults with each call's options.
 */
class LlmChatOptionsTests {

	private static final ToolCallback WEATHER = FunctionToolCallback
		.builder("weather", (String city) -> "sunny in " + city)
		.description("The weather in a city")
		.inputType(String.class)
		.build();

	@Test
	void mutateCopiesEveryValue() {
		LlmChatOptions options = LlmChatOptions.builder()
			.policy("summaries")
			.temperature(0.2)
			.maxTokens(100)
			.topP(0.9)
			.stopSequences(List.of("END"))
			.frequencyPenalty(0.1)
			.presencePenalty(0.2)
			.toolCallbacks(WEATHER)
			.toolContext("tenant", "acme")
			.toolChoice("auto")
			.responseFormat(Map.of("type", "json_object"))
			.param("seed", 7)
			.build();
		assertThat(options.mutate().build()).isEqualTo(options).hasSameHashCodeAs(options);
		assertThat(options.getParams()).containsExactly(Map.entry("seed", 7));
		assertThat(options.getToolCallbacks()).containsExactly(WEATHER);
	}

	@Test
	void combineWithTakesThePolicyAndEveryValueTheCallSets() {
		LlmChatOptions defaults = LlmChatOptions.builder()
			.policy("default")
			.temperature(0.7)
			.param("user", "app")
			.build();
		LlmChatOptions combined = defaults.mutate()
			.combineWith(LlmChatOptions.builder().policy("summaries").maxTokens(50).param("seed", 7))
			.build();
		assertThat(combined.getPolicy()).isEqualTo("summaries");
		assertThat(combined.getTemperature()).isEqualTo(0.7);
		assertThat(combined.getMaxTokens()).isEqualTo(50);
		assertThat(combined.getParams()).containsEntry("user", "app").containsEntry("seed", 7);
	}

	@Test
	void combineWithKeepsTheDefaultPolicyWhenTheCallNamesNone() {
		LlmChatOptions combined = LlmChatOptions.builder()
			.policy("chat")
			.combineWith(LlmChatOptions.builder().temperature(0.1))
			.build();
		assertThat(combined.getPolicy()).isEqualTo("chat");
	}

	@Test
	void combineWithAnotherOptionsTypeTakesItsPortableOptionsAndTools() {
		ToolCallingChatOptions.Builder<?> other = ToolCallingChatOptions.builder()
			.temperature(0.3)
			.stopSequences(List.of("STOP"))
			.toolCallbacks(WEATHER);
		LlmChatOptions combined = LlmChatOptions.builder().policy("chat").combineWith(other).build();
		assertThat(combined.getPolicy()).isEqualTo("chat");
		assertThat(combined.getTemperature()).isEqualTo(0.3);
		assertThat(combined.getStopSequences()).containsExactly("STOP");
		assertThat(combined.getToolCallbacks()).containsExactly(WEATHER);
	}

	@Test
	void combineWithAStructuredOutputBuilderTakesItsSchema() {
		StructuredOutputChatOptions.Builder<?> other = StructuredOutputChatOptions.builder()
			.outputSchema("{\"type\":\"object\"}");
		assertThat(LlmChatOptions.builder().combineWith(other).build().getOutputSchema())
			.isEqualTo("{\"type\":\"object\"}");
	}

	@Test
	void outputSchemaAndResponseFormatReplaceEachOther() {
		LlmChatOptions schema = LlmChatOptions.builder()
			.responseFormat(Map.of("type", "json_object"))
			.outputSchema("{\"type\":\"object\"}")
			.build();
		assertThat(schema.getResponseFormat()).isNull();
		assertThat(schema.getOutputSchema()).isEqualTo("{\"type\":\"object\"}");
		LlmChatOptions format = schema.mutate().responseFormat(Map.of("type", "json_object")).build();
		assertThat(format.getOutputSchema()).isNull();
		assertThat(format.getResponseFormat()).containsEntry("type", "json_object");
	}

	@Test
	void paramThatATypedOptionSetsIsRejectedNamingTheOption() {
		assertThatIllegalArgumentException().isThrownBy(() -> LlmChatOptions.builder().param("top_p", 0.9))
			.withMessage("LlmChatOptions parameter 'top_p' is set with the builder's topP(..)");
		assertThatIllegalArgumentException().isThrownBy(() -> LlmChatOptions.builder().param("tools", List.of()))
			.withMessageContaining("toolCallbacks(..)");
	}

	@Test
	void paramThatChatRequestSetsItselfIsRejectedWithItsReason() {
		assertThatIllegalArgumentException().isThrownBy(() -> LlmChatOptions.builder().param("model", "gpt-4.1"))
			.withMessageContaining("the model comes from the policy's target");
		assertThatIllegalArgumentException().isThrownBy(() -> LlmChatOptions.builder().param("stream", true))
			.withMessageContaining("stream");
	}

	@Test
	void toolChoiceOfAnotherTypeIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> LlmChatOptions.builder().toolChoice(42))
			.withMessageContaining("'toolChoice' must be a String");
	}

	@Test
	void blankPolicyIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> LlmChatOptions.builder().policy(" "))
			.withMessageContaining("llm.policies");
	}

	@Test
	void builderCloneIsIndependent() {
		LlmChatOptions.Builder builder = LlmChatOptions.builder().param("seed", 1);
		LlmChatOptions.Builder copy = builder.clone().param("user", "u");
		assertThat(builder.build().getParams()).containsOnlyKeys("seed");
		assertThat(copy.build().getParams()).containsOnlyKeys("seed", "user");
	}

	@Test
	void isWhatChatClientNeedsForToolsAndStructuredOutput() {
		ChatOptions options = LlmChatOptions.builder().build();
		assertThat(options).isInstanceOf(ToolCallingChatOptions.class).isInstanceOf(StructuredOutputChatOptions.class);
		assertThat(options.mutate()).isInstanceOf(ToolCallingChatOptions.Builder.class);
	}

}
