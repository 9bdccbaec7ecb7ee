package io.github.llmresilience.langchain4j;

import java.time.Duration;
import java.util.List;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import org.junit.jupiter.api.Test;

import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LangChain4j's {@link EmbeddingModel} API on the auto-configured
 * {@link LlmEmbeddingModel}, against {@link FakeLlmServer} with faults: an
 * {@code embeddings} policy whose primary is {@code openai}'s model and whose fallback is
 * the same model family on {@code backup}, with the module's auto-configurations
 * ({@link AiServicesTestSupport}).
 */
class EmbeddingModelBehaviourTests extends AiServicesTestSupport {

	@Test
	void embedAllRetriesARateLimitAndAnswersTheVectorsInOrderWithTheInputTokens() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(100));
		embeddingsRunner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			Response<List<Embedding>> response = model
				.embedAll(List.of(TextSegment.from("first text"), TextSegment.from("second text here")));
			assertThat(response.content()).extracting(Embedding::vector)
				.containsExactly(vectorOf("first text"), vectorOf("second text here"));
			assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(5);
			assertEmbeddingSentAgainAfterRetryAfter(List.of("first text", "second text here"), Duration.ofMillis(100));
			assertThat(model.dimension()).isEqualTo(FakeLlmServer.DEFAULT_DIMENSIONS);
		});
	}

	@Test
	void anOutageOfThePrimaryFallsBackToTheSameModelFamily() {
		this.server.model(EMBEDDING).thenAlways(FakeResponse.status(503));
		embeddingsRunner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			Embedding embedding = model.embed("Cats purr.").content();
			assertThat(embedding.vector()).containsExactly(vectorOf("Cats purr."));
			assertThat(this.server.requests(EMBEDDING)).hasSize(2);
			assertThat(this.server.requests(BACKUP_EMBEDDING)).extracting(RecordedRequest::inputs)
				.containsExactly(List.of("Cats purr."));
		});
	}

	@Test
	void embedAllOnANonBlockingThreadFailsAtOnceWithoutARequest() {
		embeddingsRunner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			assertRefusedOnANonBlockingThread(() -> model.embedAll(List.of(TextSegment.from("text"))),
					"LlmClient.embed");
		});
	}

}
