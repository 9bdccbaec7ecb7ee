package io.github.llmresilience.client;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Errors inside 2xx answers, on a socket: in a JSON body beside or instead of the
 * choices, and in SSE events with or without {@code event: error} and with or without
 * {@code finish_reason: "error"}. Each is classified by its content, as if it had arrived
 * as the status its code stands for. The bodies are written for the rule; real ones are
 * in {@link ProviderCatalogueTests}.
 */
class ErrorInsideAnswersTests extends ProviderClientTestSupport {

	private static final String CHUNK = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
			+ "\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n";

	private ProviderClient client() {
		return client(ProviderSettings.of("router", this.server.baseUrl(), "sk-test"));
	}

	private static ChatRequest request() {
		return ChatRequest.builder().user("Hello").build();
	}

	@Test
	void errorBesideTheChoicesOfACompletionIsClassifiedByItsCode() {
		this.server.model("m")
			.enqueue(FakeResponse
				.raw(200,
						"{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
								+ "\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"error\"}],"
								+ "\"error\":{\"code\":502,\"message\":\"Upstream went away\"}}")
				.header("Content-Type", "application/json"));
		LlmException failure = failureOf(client().chat("m", request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.SERVER_ERROR);
		assertThat(failure.status()).isEqualTo(502);
		assertThat(failure.providerMessage()).isEqualTo("Upstream went away");
	}

	@Test
	void errorWithAStatusWordInACompletionIsClassifiedByIt() {
		this.server.model("m")
			.enqueue(FakeResponse
				.raw(200, "{\"error\":{\"code\":429,\"message\":\"Slow down\",\"status\":\"RESOURCE_EXHAUSTED\"}}")
				.header("Content-Type", "application/json"));
		LlmException failure = failureOf(client().chat("m", request()));
		assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(failure.status()).isEqualTo(429);
	}

	@Test
	void completionThatFinishedWithErrorAndNoErrorObjectIsAServerError() {
		this.server.model("m")
			.enqueue(FakeResponse
				.raw(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
						+ "\"message\":{\"role\":\"assistant\",\"content\":\"Hal\"},\"finish_reason\":\"error\"}]}")
				.header("Content-Type", "application/json"));
		assertThat(failureOf(client().chat("m", request())).kind()).isEqualTo(FailureKind.SERVER_ERROR);
	}

	/**
	 * An error inside a stream, after the chunks it lets through: how the failure is
	 * classified, and what it says the provider reported.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("errorsInsideStreams")
	void errorInsideAStreamIsClassifiedByItsContent(String name, List<String> events, List<String> delivered,
			FailureKind kind, @Nullable Integer status, @Nullable String errorCode, @Nullable String providerMessage) {
		this.server.model("m").enqueue(FakeResponse.rawEvents(events.toArray(String[]::new)));
		List<String> chunks = new ArrayList<>();
		LlmException failure = failureOf(
				client().stream("m", request()).doOnNext((chunk) -> chunks.add(chunk.text())).then());
		assertThat(chunks).isEqualTo(delivered);
		assertThat(failure.kind()).isEqualTo(kind);
		assertThat(failure.status()).isEqualTo(status);
		assertThat(failure.errorCode()).isEqualTo(errorCode);
		assertThat(failure.providerMessage()).isEqualTo(providerMessage);
	}

	static Stream<Arguments> errorsInsideStreams() {
		return Stream.of(arguments("an error event with its event name, after a chunk", List.of(CHUNK,
				"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Too fast\"}}\n\n"),
				List.of("Hello"), FailureKind.RATE_LIMITED, 429, "rate_limit_error", "Too fast"),
				arguments("an error chunk that finished with error carries the code", List.of(CHUNK,
						"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":\"server_error\","
								+ "\"message\":\"Provider disconnected\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
								+ "\"finish_reason\":\"error\"}]}\n\n"),
						List.of("Hello"), FailureKind.SERVER_ERROR, 500, "server_error", "Provider disconnected"),
				arguments("a chunk that finished with error and no error object is a server error", List.of(CHUNK,
						"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
								+ "\"finish_reason\":\"error\"}]}\n\n"),
						List.of("Hello"), FailureKind.SERVER_ERROR, 500, null, null),
				arguments("vLLM's error object as an event", List.of(CHUNK,
						"data: {\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\","
								+ "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}\n\n"),
						List.of("Hello"), FailureKind.CONTEXT_LENGTH, 400, "400",
						"This model's maximum context length is 4096 tokens."),
				arguments("an error event before any chunk, with an unknown code, is a server error",
						List.of("event: error\ndata: {\"error\":{\"code\":\"something_new\",\"message\":\"?\"}}\n\n"),
						List.of(), FailureKind.SERVER_ERROR, 500, "something_new", "?"),
				arguments("a content_filter finish reason in a stream", List.of(CHUNK,
						"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
								+ "\"finish_reason\":\"content_filter\"}]}\n\n"),
						List.of("Hello"), FailureKind.CONTENT_FILTER, null, null, null));
	}

}
