package io.github.llmresilience.springai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.util.MimeTypeUtils;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatMessage;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Served;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;
import io.github.llmresilience.execution.AttemptScope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What {@link LlmChatModel} hands {@link LlmClient} for a prompt, and what it makes of
 * the answer, with a client that records its calls.
 */
class LlmChatModelTests {

	private final RecordingClient client = new RecordingClient();

	private final LlmChatModel model = new LlmChatModel(this.client, "summaries",
			LlmChatOptions.builder().temperature(0.5).build(), ToolCallingManager.builder().build());

	@Test
	void mapsEveryKindOfMessageInOrder() {
		Prompt prompt = new Prompt(List.of(new SystemMessage("Be brief."), new UserMessage("Weather in Paris?"),
				AssistantMessage.builder()
					.content("")
					.toolCalls(List
						.of(new AssistantMessage.ToolCall("call_1", "function", "weather", "{\"city\":\"Paris\"}")))
					.build(),
				ToolResponseMessage.builder()
					.responses(List.of(new ToolResponseMessage.ToolResponse("call_1", "weather", "sunny")))
					.build(),
				new AssistantMessage("It is sunny."), new UserMessage("Thanks!")));
		this.model.call(prompt);
		assertThat(this.client.request().messages()).containsExactly(ChatMessage.system("Be brief."),
				ChatMessage.user("Weather in Paris?"),
				ChatMessage.assistant(null, List.of(ToolCall.function("call_1", "weather", "{\"city\":\"Paris\"}"))),
				ChatMessage.tool("call_1", "sunny"), ChatMessage.assistant("It is sunny."),
				ChatMessage.user("Thanks!"));
	}

	@Test
	void aToolResponseMessageWithSeveralResponsesBecomesOneToolMessageEach() {
		Prompt prompt = new Prompt(List.of(new UserMessage("hi"),
				ToolResponseMessage.builder()
					.responses(List.of(new ToolResponseMessage.ToolResponse("call_1", "a", "one"),
							new ToolResponseMessage.ToolResponse("call_2", "b", "two")))
					.build()));
		this.model.call(prompt);
		assertThat(this.client.request().messages()).containsExactly(ChatMessage.user("hi"),
				ChatMessage.tool("call_1", "one"), ChatMessage.tool("call_2", "two"));
	}

	@Test
	void promptWithoutOptionsUsesTheModelsDefaults() {
		this.model.call(new Prompt("hi"));
		assertThat(this.client.policy).isEqualTo("summaries");
		assertThat(this.client.request().temperature()).isEqualTo(0.5);
	}

	@Test
	void promptWithOptionsOfAnotherTypeIsCombinedWithTheDefaults() {
		this.model.call(new Prompt("hi", ChatOptions.builder().maxTokens(10).build()));
		assertThat(this.client.policy).isEqualTo("summaries");
		assertThat(this.client.request().temperature()).isEqualTo(0.5);
		assertThat(this.client.request().maxTokens()).isEqualTo(10);
	}

	@Test
	void promptWithLlmChatOptionsWithoutPolicyRunsUnderTheModelsPolicy() {
		this.model.call(new Prompt("hi", LlmChatOptions.builder().maxTokens(10).build()));
		assertThat(this.client.policy).isEqualTo("summaries");
		assertThat(this.client.request().temperature()).isNull();
	}

	@Test
	void promptWhoseOptionsNameAPolicyRunsUnderIt() {
		this.model.call(new Prompt("hi", LlmChatOptions.builder().policy("chat").build()));
		assertThat(this.client.policy).isEqualTo("chat");
	}

	@Test
	void modelWithoutAPolicyOfItsOwnRunsUnderTheDefaultPolicy() {
		new LlmChatModel(this.client).call(new Prompt("hi"));
		assertThat(this.client.policy).isEqualTo("default");
	}

	@Test
	void insideAnLlmCallMethodACallWhoseOptionsNameNoPolicyNamesNoneToJoinIt() throws Throwable {
		AttemptScope.assembling(() -> this.model.call(new Prompt("hi")));
		assertThat(this.client.requests).hasSize(1);
		assertThat(this.client.policyNamed).isFalse();
	}

	@Test
	void toolDefinitionsBecomeFunctionTools() {
		ToolCallback weather = FunctionToolCallback.builder("weather", (City city) -> "sunny in " + city.name())
			.description("The weather in a city")
			.inputType(City.class)
			.build();
		this.model
			.call(new Prompt("hi", LlmChatOptions.builder().toolCallbacks(weather).toolChoice("required").build()));
		Map<String, Object> params = this.client.request().params();
		assertThat(params).containsEntry("tool_choice", "required");
		assertThat(params.get("tools")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
			.singleElement()
			.satisfies((tool) -> {
				Map<?, ?> function = (Map<?, ?>) ((Map<?, ?>) tool).get("function");
				assertThat(((Map<?, ?>) tool).get("type")).isEqualTo("function");
				assertThat(function.get("name")).isEqualTo("weather");
				assertThat(function.get("description")).isEqualTo("The weather in a city");
				assertThat(((Map<?, ?>) function.get("parameters")).get("type")).isEqualTo("object");
			});
	}

	@Test
	void toolChoiceAsJsonTextIsSentAsAnObject() {
		this.model.call(new Prompt("hi",
				LlmChatOptions.builder()
					.toolChoice("{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}")
					.build()));
		assertThat(this.client.request().params()).containsEntry("tool_choice",
				Map.of("type", "function", "function", Map.of("name", "weather")));
	}

	@Test
	void toolChoiceThatIsNeitherAWordNorJsonIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.model.call(new Prompt("hi", LlmChatOptions.builder().toolChoice("any").build())))
			.withMessageContaining("toolChoice (auto, none, required or a JSON object) must be a JSON object");
	}

	@Test
	void modelOptionIsRejectedBecauseThePolicyChoosesTheModel() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.model.call(new Prompt("hi", ChatOptions.builder().model("gpt-4.1").build())))
			.withMessageContaining("option model ('gpt-4.1')")
			.withMessageContaining("LlmChatOptions.policy(..)");
		assertThat(this.client.requests).isEmpty();
	}

	@Test
	void topKIsRejectedBecauseTheChatCompletionsApiHasNone() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.model.call(new Prompt("hi", LlmChatOptions.builder().topK(5).build())))
			.withMessageContaining("no top-K")
			.withMessageContaining("param(\"top_k\", ..)");
	}

	@Test
	void userMessageWithMediaIsRejected() {
		UserMessage withImage = UserMessage.builder()
			.text("What is this?")
			.media(new Media(MimeTypeUtils.IMAGE_PNG, java.net.URI.create("https://example.com/cat.png")))
			.build();
		assertThatIllegalArgumentException().isThrownBy(() -> this.model.call(new Prompt(withImage)))
			.withMessageContaining("text only")
			.withMessageContaining("image/png");
		StepVerifier.create(this.model.stream(new Prompt(withImage)))
			.expectError(IllegalArgumentException.class)
			.verify();
	}

	@Test
	void answerBecomesAGenerationWithTheServedFactsInTheMetadata() {
		this.client.answer = new io.github.llmresilience.ChatResponse(null, "tool_calls",
				List.of(ToolCall.function("call_9", "weather", "{}")), new Usage(3, 4, 7), "gpt-4o-2024-08-06",
				"{\"id\":\"chatcmpl-1\",\"created\":1700000000}", new Served("backup", "claude", 3, true));
		ChatResponse response = this.model.call(new Prompt("hi"));
		assertThat(response.getResult().getOutput().getText()).isEmpty();
		assertThat(response.hasToolCalls()).isTrue();
		assertThat(response.getResult().getOutput().getToolCalls())
			.containsExactly(new AssistantMessage.ToolCall("call_9", "function", "weather", "{}"));
		assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
		assertThat(response.getMetadata().getId()).isEqualTo("chatcmpl-1");
		assertThat(response.getMetadata().<Long>get("created")).isEqualTo(1700000000L);
		assertThat(response.getMetadata().getModel()).isEqualTo("gpt-4o-2024-08-06");
		assertThat(response.getMetadata().getUsage().getTotalTokens()).isEqualTo(7);
		assertThat(response.getMetadata().getUsage().getNativeUsage()).isEqualTo(new Usage(3, 4, 7));
		assertThat(response.getMetadata().<Served>get(LlmChatModel.SERVED_METADATA_KEY))
			.isEqualTo(new Served("backup", "claude", 3, true));
	}

	@Test
	void answerWithoutReportedModelNamesTheRequestedOne() {
		this.client.answer = new io.github.llmresilience.ChatResponse("hello", "stop", List.of(), null, null, "{}",
				new Served("openai", "gpt-4o", 1, false));
		ChatResponse response = this.model.call(new Prompt("hi"));
		assertThat(response.getMetadata().getModel()).isEqualTo("gpt-4o");
		assertThat(response.getMetadata().getUsage().getTotalTokens()).isZero();
	}

	@Test
	void streamMapsEachChunkAndTheUsageChunkHasNoGeneration() {
		this.client.chunks = List.of(new ChatChunk("Hel", null, null, "gpt-4o"),
				new ChatChunk("lo", "stop", null, "gpt-4o"), new ChatChunk("", null, new Usage(2, 2, 4), "gpt-4o"));
		StepVerifier.create(this.model.stream(new Prompt("hi")))
			.assertNext((response) -> assertThat(response.getResult().getOutput().getText()).isEqualTo("Hel"))
			.assertNext((response) -> {
				assertThat(response.getResult().getOutput().getText()).isEqualTo("lo");
				assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
			})
			.assertNext((response) -> {
				assertThat(response.getResults()).isEmpty();
				assertThat(response.getMetadata().getUsage().getTotalTokens()).isEqualTo(4);
				assertThat(response.getMetadata().<String>get(LlmChatModel.POLICY_METADATA_KEY)).isEqualTo("summaries");
			})
			.verifyComplete();
		assertThat(this.client.streamed).isTrue();
	}

	/**
	 * A tool's input.
	 *
	 * @param name the city
	 */
	record City(String name) {

	}

	/**
	 * Records what it is asked and answers as told.
	 */
	static final class RecordingClient implements LlmClient {

		final List<ChatRequest> requests = new ArrayList<>();

		String policy;

		boolean policyNamed;

		boolean streamed;

		io.github.llmresilience.ChatResponse answer = new io.github.llmresilience.ChatResponse("hello", "stop",
				List.of(), null, "gpt-4o", "{}", new Served("openai", "gpt-4o", 1, false));

		List<ChatChunk> chunks = List.of();

		ChatRequest request() {
			assertThat(this.requests).hasSize(1);
			return this.requests.get(0);
		}

		@Override
		public Mono<io.github.llmresilience.ChatResponse> chat(ChatRequest request) {
			this.requests.add(request);
			return Mono.just(this.answer);
		}

		@Override
		public Mono<io.github.llmresilience.ChatResponse> chat(String policy, ChatRequest request) {
			this.policy = policy;
			this.policyNamed = true;
			return chat(request);
		}

		@Override
		public Flux<ChatChunk> stream(ChatRequest request) {
			this.requests.add(request);
			this.streamed = true;
			return Flux.fromIterable(this.chunks);
		}

		@Override
		public Flux<ChatChunk> stream(String policy, ChatRequest request) {
			this.policy = policy;
			this.policyNamed = true;
			return stream(request);
		}

	}

}
