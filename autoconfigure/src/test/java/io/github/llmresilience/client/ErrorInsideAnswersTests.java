package io.github.llmresilience.client;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

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

	private LlmException streamFailure(List<String> chunks, String... events) {
		this.server.model("m").enqueue(FakeResponse.rawEvents(events));
		return failureOf(client().stream("m", request()).doOnNext((chunk) -> chunks.add(chunk.text())).then());
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

	@Test
	void errorEventWithItsEventNameAfterAChunk() {
		List<String> chunks = new ArrayList<>();
		LlmException failure = streamFailure(chunks, CHUNK,
				"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Too fast\"}}\n\n");
		assertThat(chunks).containsExactly("Hello");
		assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
		assertThat(failure.status()).isEqualTo(429);
		assertThat(failure.errorCode()).isEqualTo("rate_limit_error");
	}

	@Test
	void errorChunkThatFinishedWithErrorCarriesTheCode() {
		List<String> chunks = new ArrayList<>();
		LlmException failure = streamFailure(chunks, CHUNK,
				"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":\"server_error\","
						+ "\"message\":\"Provider disconnected\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
						+ "\"finish_reason\":\"error\"}]}\n\n");
		assertThat(chunks).containsExactly("Hello");
		assertThat(failure.kind()).isEqualTo(FailureKind.SERVER_ERROR);
		assertThat(failure.providerMessage()).isEqualTo("Provider disconnected");
	}

	@Test
	void chunkThatFinishedWithErrorAndNoErrorObjectIsAServerError() {
		List<String> chunks = new ArrayList<>();
		LlmException failure = streamFailure(chunks, CHUNK,
				"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
						+ "\"finish_reason\":\"error\"}]}\n\n");
		assertThat(chunks).containsExactly("Hello");
		assertThat(failure.kind()).isEqualTo(FailureKind.SERVER_ERROR);
	}

	@Test
	void vllmErrorObjectAsAnEvent() {
		List<String> chunks = new ArrayList<>();
		LlmException failure = streamFailure(chunks, CHUNK,
				"data: {\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\","
						+ "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}\n\n");
		assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH);
		assertThat(failure.status()).isEqualTo(400);
	}

	@Test
	void errorEventBeforeAnyChunkWithAnUnknownCodeIsAServerError() {
		List<String> chunks = new ArrayList<>();
		LlmException failure = streamFailure(chunks,
				"event: error\ndata: {\"error\":{\"code\":\"something_new\",\"message\":\"?\"}}\n\n");
		assertThat(chunks).isEmpty();
		assertThat(failure.kind()).isEqualTo(FailureKind.SERVER_ERROR);
		assertThat(failure.status()).isEqualTo(500);
	}

	@Test
	void contentFilterFinishReasonInAStream() {
		List<String> chunks = new ArrayList<>();
		LlmException failure = streamFailure(chunks, CHUNK,
				"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
						+ "\"finish_reason\":\"content_filter\"}]}\n\n");
		assertThat(failure.kind()).isEqualTo(FailureKind.CONTENT_FILTER);
	}

}
