package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams whose answer is a tool call, sent in pieces as OpenAI sends them, through
 * {@link LlmClient}: the stream rule holds for them as for text (retried before the first
 * delivered chunk, interrupted after it, nothing delivered twice), and a tool call is
 * only ever delivered whole.
 */
class StreamedToolCallBehaviourTests extends BehaviourTestSupport {

	private static final ChatRequest REQUEST = ChatRequest.builder().user("What is the weather in Oslo?").build();

	private static final ToolCall WEATHER = ToolCall.function("call_1", "weather", "{\"city\":\"Oslo\"}");

	private static FakeResponse weatherCall() {
		return FakeResponse.ok("").toolCall(WEATHER.id(), WEATHER.name(), WEATHER.arguments());
	}

	private static LlmClient llm(AssertableApplicationContext context) {
		return context.getBean(LlmClient.class);
	}

	@Test
	void aStreamCutInsideAToolCallsArgumentsBeforeAnyChunkWasDeliveredIsRetriedAndTheCallDeliveredOnce() {
		// The head of the call, then "{\"" and "city": cut inside the arguments.
		this.server.model(PRIMARY).enqueue(weatherCall().breakAfter(3), weatherCall());
		List<ChatChunk> received = new CopyOnWriteArrayList<>();
		runner().run((context) -> StepVerifier.create(llm(context).stream("streaming", REQUEST))
			.recordWith(() -> received)
			.thenConsumeWhile((chunk) -> true)
			.verifyComplete());
		assertThat(received).filteredOn(ChatChunk::hasContent)
			.singleElement()
			.satisfies((chunk) -> assertThat(chunk.toolCalls()).containsExactly(WEATHER));
		assertThat(primaryRequests()).hasSize(2);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void aStreamCutInsideAToolCallAfterTextWasDeliveredIsInterruptedAndTheHalfCallIsNeverDelivered() {
		// "Let ", "me ", "check.", the call's head and "{\"": cut inside the arguments.
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("Let me check.")
				.toolCall(WEATHER.id(), WEATHER.name(), WEATHER.arguments())
				.breakAfter(5));
		List<ChatChunk> received = new CopyOnWriteArrayList<>();
		runner().run((context) -> StepVerifier.create(llm(context).stream("streaming", REQUEST))
			.recordWith(() -> received)
			.expectNextCount(3)
			.expectErrorSatisfies((error) -> assertThat(
					assertInterrupted(error, FailureKind.CONNECTION, "Let me check.").chunksDelivered())
				.isEqualTo(3))
			.verify(Duration.ofSeconds(10)));
		assertThat(received).extracting(ChatChunk::text).containsExactly("Let ", "me ", "check.");
		assertThat(received).allSatisfy((chunk) -> assertThat(chunk.toolCalls()).isEmpty());
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

}
