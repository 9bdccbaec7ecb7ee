package io.github.llmresilience.springai;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.SimpleVectorStore;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Spring AI's {@link EmbeddingModel} API and {@link SimpleVectorStore} on
 * {@link LlmEmbeddingModel}, against {@link FakeLlmServer} with faults: an
 * {@code embeddings} policy whose primary is {@code openai}'s model and whose fallback is
 * the same model family on {@code backup}, with the module's auto-configurations
 * ({@link ChatClientTestSupport}).
 */
class EmbeddingModelBehaviourTests extends ChatClientTestSupport {

	@Test
	void embedRetriesARateLimitAndAnswersTheVectorsInOrder() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(100));
		embeddingsRunner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			List<float[]> vectors = model.embed(List.of("first text", "second text"));
			assertThat(vectors).hasSize(2);
			assertThat(vectors.get(0)).containsExactly(vectorOf("first text"));
			assertThat(vectors.get(1)).containsExactly(vectorOf("second text"));
			assertEmbeddingSentAgainAfterRetryAfter(List.of("first text", "second text"), Duration.ofMillis(100));
			assertThat(model.dimensions()).isEqualTo(FakeLlmServer.DEFAULT_DIMENSIONS);
		});
	}

	@Test
	void aResponseCarriesTheUsageTheModelAndWhoServed() {
		this.server.model(EMBEDDING).thenAlways(FakeResponse.status(503));
		embeddingsRunner().run((context) -> {
			EmbeddingResponse response = context.getBean(EmbeddingModel.class)
				.call(new EmbeddingRequest(List.of("one two three"), EmbeddingOptions.builder().build()));
			assertThat(response.getResult().getOutput()).containsExactly(vectorOf("one two three"));
			assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(3);
			assertThat(response.getMetadata().getModel()).isEqualTo(BACKUP_EMBEDDING);
			assertThat(response.getMetadata().<Served>get(LlmChatModel.SERVED_METADATA_KEY))
				.isEqualTo(new Served("backup", BACKUP_EMBEDDING, 3, true));
			assertThat(response.getMetadata().<String>get(LlmChatModel.POLICY_METADATA_KEY)).isEqualTo("embeddings");
		});
	}

	@Test
	void simpleVectorStoreAddsDocumentsThroughAnOutageOfThePrimaryAndFindsThem() {
		this.server.model(EMBEDDING).thenAlways(FakeResponse.status(503));
		embeddingsRunner().run((context) -> {
			SimpleVectorStore store = SimpleVectorStore.builder(context.getBean(EmbeddingModel.class)).build();
			List<Document> documents = List.of(new Document("a", "Cats purr.", Map.of()),
					new Document("b", "Dogs bark.", Map.of()), new Document("c", "Cows moo.", Map.of()));
			store.add(documents);
			// SimpleVectorStore asks for each document's vector on its own, after one
			// call
			// that learns the dimensions.
			assertThat(this.server.requests(BACKUP_EMBEDDING)).extracting(RecordedRequest::inputs)
				.containsExactly(List.of("Test String"), List.of("Cats purr."), List.of("Dogs bark."),
						List.of("Cows moo."));
			assertThat(this.server.requests(EMBEDDING)).hasSize(8);
			// The query's vector is the stored document's own: it comes first.
			List<Document> found = store.similaritySearch(SearchRequest.builder().query("Dogs bark.").topK(1).build());
			assertThat(found).extracting(Document::getId).containsExactly("b");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.fallbacks")
				.tags("policy", "embeddings", "from", "openai:" + EMBEDDING, "to", "backup:" + BACKUP_EMBEDDING)
				.counters()).isNotEmpty();
		});
	}

	@Test
	void simpleVectorStoreAddFailsWithTheClassifiedErrorWhenThePolicyGivesUp() {
		this.server.model(EMBEDDING)
			.thenAlways(FakeResponse.error(400, "invalid_request_error", null,
					"This model's maximum context length is 8192 tokens, however you requested 8610 tokens."));
		embeddingsRunner().run((context) -> {
			SimpleVectorStore store = SimpleVectorStore.builder(context.getBean(EmbeddingModel.class)).build();
			assertThatExceptionOfType(LlmException.class)
				.isThrownBy(() -> store.add(List.of(new Document("a very long document"))))
				.satisfies((failure) -> assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH));
			List<RecordedRequest> requests = this.server.requests(EMBEDDING);
			assertThat(requests).hasSize(1);
			assertThat(this.server.requests(BACKUP_EMBEDDING)).isEmpty();
		});
	}

	@Test
	void optionsThatNameAModelOrDimensionsAreRefused() {
		embeddingsRunner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> model.call(new EmbeddingRequest(List.of("x"),
						EmbeddingOptions.builder().model("text-embedding-3-large").build())))
				.withMessageContaining("llm.policies.embeddings.model");
			assertThat(this.server.requests()).isEmpty();
		});
	}

}
