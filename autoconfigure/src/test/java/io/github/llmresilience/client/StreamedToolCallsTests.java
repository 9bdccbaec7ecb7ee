package io.github.llmresilience.client;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calls of a stream, sent in pieces as OpenAI sends them, against a real server: the
 * client delivers them whole in the chunk that ends them, and never in part.
 */
class StreamedToolCallsTests {

	private static final String MODEL = "gpt-4o";

	/**
	 * A stream recorded from Azure OpenAI (gpt-5-mini) by llama-stack,
	 * llamastack/llama-stack, tests/integration/recordings/responses/fb785db7fafd.json:
	 * its chunks' {@code __data__} as they were recorded (the recorder normalised the ids
	 * and repeats the call's id on every delta), with the SSE framing and {@code [DONE]}
	 * of the wire around them.
	 */
	private static final List<String> RECORDED = List.of(
			"""
					{"id":"rec-fb785db7fafd","choices":[],"created":0,"model":"","object":"","service_tier":null,"system_fingerprint":null,"usage":null,"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":"assistant","tool_calls":[{"index":0,"id":"toolcall-fb785db7-0","function":{"arguments":"","name":"get_weather"},"type":"function"}]},"finish_reason":null,"index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":null,"tool_calls":[{"index":0,"id":"toolcall-fb785db7-0","function":{"arguments":"{\\"","name":null},"type":null}]},"finish_reason":null,"index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":null,"tool_calls":[{"index":0,"id":"toolcall-fb785db7-0","function":{"arguments":"city","name":null},"type":null}]},"finish_reason":null,"index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":null,"tool_calls":[{"index":0,"id":"toolcall-fb785db7-0","function":{"arguments":"\\":\\"","name":null},"type":null}]},"finish_reason":null,"index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":null,"tool_calls":[{"index":0,"id":"toolcall-fb785db7-0","function":{"arguments":"Tokyo","name":null},"type":null}]},"finish_reason":null,"index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":null,"tool_calls":[{"index":0,"id":"toolcall-fb785db7-0","function":{"arguments":"\\"}","name":null},"type":null}]},"finish_reason":null,"index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""",
			"""
					{"id":"rec-fb785db7fafd","choices":[{"delta":{"content":null,"function_call":null,"refusal":null,"role":null,"tool_calls":null},"finish_reason":"tool_calls","index":0,"logprobs":null,"content_filter_results":{}}],"created":0,"model":"gpt-5-mini-2025-08-07","object":"chat.completion.chunk","service_tier":null,"system_fingerprint":null,"usage":null}""");

	private final FakeLlmServer server = FakeLlmServer.start();

	private ProviderClients clients;

	@AfterEach
	void close() {
		if (this.clients != null) {
			this.clients.close();
		}
		this.server.close();
	}

	private ProviderClient client() {
		ProviderSettings settings = ProviderSettings.of("openai", this.server.baseUrl(), "sk-test")
			.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(10),
					Duration.ofSeconds(10));
		this.clients = ProviderClientsFixture.clients(settings);
		return this.clients.get("openai");
	}

	private static ChatRequest request() {
		return ChatRequest.builder().user("What is the weather in Oslo and the time?").build();
	}

	private static String[] events(List<String> data) {
		return data.stream().map((json) -> "data: " + json + "\n\n").toArray(String[]::new);
	}

	@Test
	void toolCallsSplitAcrossChunksAreDeliveredWholeInIndexOrderInTheChunkThatEndsThem() {
		this.server.model(MODEL)
			.enqueue(FakeResponse.ok("")
				.toolCall("call_1", "weather", "{\"city\":\"Oslo\",\"unit\":\"celsius\"}")
				.toolCall("call_2", "time", "{\"zone\":\"Europe/Oslo\"}"));
		List<ChatChunk> chunks = client().stream(MODEL, request()).collectList().block(Duration.ofSeconds(10));
		assertThat(chunks).hasSize(2);
		ChatChunk end = chunks.get(0);
		assertThat(end.finishReason()).isEqualTo("tool_calls");
		assertThat(end.text()).isEmpty();
		assertThat(end.toolCalls()).containsExactly(
				ToolCall.function("call_1", "weather", "{\"city\":\"Oslo\",\"unit\":\"celsius\"}"),
				ToolCall.function("call_2", "time", "{\"zone\":\"Europe/Oslo\"}"));
		assertThat(end.hasContent()).isTrue();
		assertThat(chunks.get(1).usage()).isNotNull();
		assertThat(chunks.get(1).toolCalls()).isEmpty();
	}

	@Test
	void textBeforeAToolCallIsStreamedAsItComesAndTheCallFollowsWhole() {
		this.server.model(MODEL)
			.enqueue(FakeResponse.ok("Let me check.").toolCall("call_1", "weather", "{\"city\":\"Oslo\"}"));
		StepVerifier.create(client().stream(MODEL, request()))
			.assertNext((chunk) -> assertThat(chunk.text()).isEqualTo("Let "))
			.assertNext((chunk) -> assertThat(chunk.text()).isEqualTo("me "))
			.assertNext((chunk) -> {
				assertThat(chunk.text()).isEqualTo("check.");
				assertThat(chunk.toolCalls()).isEmpty();
			})
			.assertNext((chunk) -> {
				assertThat(chunk.finishReason()).isEqualTo("tool_calls");
				assertThat(chunk.toolCalls())
					.containsExactly(ToolCall.function("call_1", "weather", "{\"city\":\"Oslo\"}"));
			})
			.assertNext((chunk) -> assertThat(chunk.usage()).isNotNull())
			.verifyComplete();
	}

	@Test
	void aStreamCutInsideAToolCallsArgumentsDeliversNoPartOfItAndIsAConnectionFailure() {
		// The call's head, then "{\"" and "city": cut before the rest of its arguments.
		this.server.model(MODEL)
			.enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Oslo\"}").breakAfter(3));
		StepVerifier.create(client().stream(MODEL, request())).expectErrorSatisfies((error) -> {
			assertThat(error).isInstanceOf(LlmException.class);
			assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.CONNECTION);
		}).verify(Duration.ofSeconds(10));
	}

	@Test
	void aRecordedAzureOpenAiStreamOfAToolCallIsAssembled() {
		this.server.model(MODEL)
			.enqueue(FakeResponse.rawEvents(events(concat(RECORDED, List.of("[DONE]"))))
				.header("Content-Type", "text/event-stream"));
		StepVerifier.create(client().stream(MODEL, request())).assertNext((chunk) -> {
			assertThat(chunk.finishReason()).isEqualTo("tool_calls");
			assertThat(chunk.model()).isEqualTo("gpt-5-mini-2025-08-07");
			// The id repeated on every delta is taken once; the arguments are joined.
			assertThat(chunk.toolCalls())
				.containsExactly(ToolCall.function("toolcall-fb785db7-0", "get_weather", "{\"city\":\"Tokyo\"}"));
		}).verifyComplete();
	}

	@Test
	void doneWithoutAFinishReasonEndsThePendingToolCallsToo() {
		// The recorded stream without its finish chunk: [DONE] alone ends the answer.
		List<String> withoutFinish = concat(RECORDED.subList(0, RECORDED.size() - 1), List.of("[DONE]"));
		this.server.model(MODEL).enqueue(FakeResponse.rawEvents(events(withoutFinish)));
		StepVerifier.create(client().stream(MODEL, request())).assertNext((chunk) -> {
			assertThat(chunk.finishReason()).isNull();
			assertThat(chunk.toolCalls())
				.containsExactly(ToolCall.function("toolcall-fb785db7-0", "get_weather", "{\"city\":\"Tokyo\"}"));
		}).verifyComplete();
	}

	@Test
	void aStreamedToolCallThatNeverGetsItsNameIsAMalformedResponse() {
		// The recorded stream without the delta that names the call.
		List<String> nameless = concat(List.of(RECORDED.get(0)), RECORDED.subList(2, RECORDED.size()));
		this.server.model(MODEL).enqueue(FakeResponse.rawEvents(events(concat(nameless, List.of("[DONE]")))));
		StepVerifier.create(client().stream(MODEL, request())).expectErrorSatisfies((error) -> {
			assertThat(error).isInstanceOf(LlmException.class);
			assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
		}).verify(Duration.ofSeconds(10));
	}

	private static List<String> concat(List<String> first, List<String> second) {
		return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
	}

}
