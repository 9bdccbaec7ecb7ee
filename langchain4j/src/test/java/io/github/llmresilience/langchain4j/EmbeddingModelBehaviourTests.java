package io.github.llmresilience.langchain4j;

import java.time.Duration;
import java.util.List;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.langchain4j.autoconfigure.LlmLangChain4jEmbeddingModelAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LangChain4j's {@link EmbeddingModel} API on the auto-configured
 * {@link LlmEmbeddingModel}, against {@link FakeLlmServer} with faults: an
 * {@code embeddings} policy whose primary is {@code openai}'s model and whose fallback is
 * the same model family on {@code backup}.
 */
class EmbeddingModelBehaviourTests {

	static final String EMBEDDING = "text-embedding-3-small";

	static final String BACKUP_EMBEDDING = "text-embedding-3-small-eu";

	final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					WebClientAutoConfiguration.class, LlmMetricsAutoConfiguration.class,
					LlmResilienceAutoConfiguration.class, LlmLangChain4jEmbeddingModelAutoConfiguration.class))
			.withPropertyValues("llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
					"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
					"llm.defaults.retry.initial-backoff=20ms", "llm.defaults.retry.jitter=0",
					"llm.policies.embeddings.type=embeddings", "llm.policies.embeddings.provider=openai",
					"llm.policies.embeddings.model=" + EMBEDDING, "llm.policies.embeddings.retry.max-attempts=2",
					"llm.policies.embeddings.fallbacks[0].provider=backup",
					"llm.policies.embeddings.fallbacks[0].model=" + BACKUP_EMBEDDING,
					"llm.policies.embeddings.fallbacks[0].model-family=" + EMBEDDING);
	}

	private static float[] vectorOf(String text) {
		return FakeLlmServer.embedding(text, FakeLlmServer.DEFAULT_DIMENSIONS);
	}

	@Test
	void embedAllRetriesARateLimitAndAnswersTheVectorsInOrderWithTheInputTokens() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(100));
		runner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			Response<List<Embedding>> response = model
				.embedAll(List.of(TextSegment.from("first text"), TextSegment.from("second text here")));
			assertThat(response.content()).extracting(Embedding::vector)
				.containsExactly(vectorOf("first text"), vectorOf("second text here"));
			assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(5);
			assertThat(this.server.requests(EMBEDDING)).hasSize(2);
			assertThat(this.server.requests(EMBEDDING)).extracting(RecordedRequest::inputs)
				.containsOnly(List.of("first text", "second text here"));
			assertThat(FakeLlmServer.gaps(this.server.requests(EMBEDDING)).get(0))
				.isGreaterThanOrEqualTo(Duration.ofMillis(100));
			assertThat(model.dimension()).isEqualTo(FakeLlmServer.DEFAULT_DIMENSIONS);
			assertThat(this.server.requests()).hasSize(2);
		});
	}

	@Test
	void anOutageOfThePrimaryFallsBackToTheSameModelFamily() {
		this.server.model(EMBEDDING).thenAlways(FakeResponse.status(503));
		runner().run((context) -> {
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
		runner().run((context) -> {
			EmbeddingModel model = context.getBean(EmbeddingModel.class);
			StepVerifier
				.create(Mono.fromCallable(() -> model.embedAll(List.of(TextSegment.from("text"))))
					.subscribeOn(Schedulers.parallel()))
				.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("non-blocking thread")
					.hasMessageContaining("Schedulers.boundedElastic()"))
				.verify(Duration.ofSeconds(5));
			assertThat(this.server.requests()).isEmpty();
		});
	}

}
