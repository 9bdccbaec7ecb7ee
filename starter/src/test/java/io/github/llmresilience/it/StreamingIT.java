package io.github.llmresilience.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.Usage;
import io.github.llmresilience.it.WireMockContainer.LoggedRequest;

import static io.github.llmresilience.it.ItApplication.PRIMARY_MODEL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server-sent event stream from WireMock through an {@code @LlmCall} method returning
 * {@code Flux<ChatChunk>}.
 */
class StreamingIT extends WireMockTestSupport {

	@Test
	void whenTheServerStreamsEventsThenEveryChunkArrivesOnceAndInOrder() {
		List<String> texts = List.of("The ", "capital ", "of France ", "is ", "Paris.");
		// The body arrives in pieces cut at arbitrary bytes, so events are split
		// mid-line.
		wiremock.stub(Stub.chatCompletions("primary")
			.status(200)
			.body("text/event-stream", Stub.eventStream(PRIMARY_MODEL, texts))
			.dribble(9, Duration.ofMillis(180)));
		try (ConfigurableApplicationContext app = ItApplication.run(wiremock)) {
			StepVerifier.create(app.getBean(Assistant.class).answer("What is the capital of France?"))
				.recordWith(ArrayList::new)
				.thenConsumeWhile((chunk) -> true)
				.consumeRecordedWith((chunks) -> {
					List<ChatChunk> received = new ArrayList<>(chunks);
					assertThat(received).extracting(ChatChunk::text)
						.containsExactly("The ", "capital ", "of France ", "is ", "Paris.", "", "");
					assertThat(received.get(5).finishReason()).isEqualTo("stop");
					assertThat(received.get(6).usage()).isEqualTo(new Usage(9, 5, 14));
					assertThat(received).extracting(ChatChunk::model).containsOnly(PRIMARY_MODEL);
				})
				.verifyComplete();
		}
		List<LoggedRequest> requests = wiremock.requests("primary");
		assertThat(requests).hasSize(1);
		LoggedRequest request = requests.get(0);
		assertThat(request.header("Accept")).contains("text/event-stream");
		assertThat(request.body().path("stream").asBoolean()).isTrue();
		assertThat(request.body().path("stream_options").path("include_usage").asBoolean()).isTrue();
		assertThat(request.body().path("model").asString()).isEqualTo(PRIMARY_MODEL);
	}

}
