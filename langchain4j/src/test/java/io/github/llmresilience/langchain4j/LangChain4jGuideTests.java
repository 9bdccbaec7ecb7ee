package io.github.llmresilience.langchain4j;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The examples of {@code docs/guides/langchain4j.md}, which quotes them, run against a
 * real server so that they do what the guide says.
 */
class LangChain4jGuideTests extends AiServicesTestSupport {

	@Test
	void anAiServiceWithToolsRunsTheToolLoopOnThePolicy() {
		scriptWeatherToolLoop("Lisbon", 20, "Take sunglasses: it is sunny in Lisbon.");
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> assertThat(
					context.getBean(TravelAssistant.class).advise("What should I pack for Lisbon?"))
				.isEqualTo("Take sunglasses: it is sunny in Lisbon."));
		assertThat(primaryRequests()).hasSize(3);
		// What the tool returned, which only running it could write.
		assertThat(primaryRequests().get(1).json().at("/messages/3/content").asString())
			.isEqualTo("sunny, 24 degrees in Lisbon");
	}

	@Test
	void aStructuredOutputServiceSendsTheSchemaAndReadsTheRecord() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("{\"city\":\"Lisbon\",\"celsius\":24}"));
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> assertThat(context.getBean(Forecaster.class).forecast("Lisbon"))
				.isEqualTo(new Forecast("Lisbon", 24)));
		assertThat(primaryRequests().get(0).json().at("/response_format/type").asString()).isEqualTo("json_schema");
	}

	@Test
	void aTokenStreamCutAfterItsFirstTokensEndsWithANote() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("Once ", "upon ", "a ", "time.").breakAfter(2));
		assertThat(tellAStory()).containsExactly("Once ", "upon ", " [the answer was cut off]");
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void theStreamingModelRetriesBeforeTheFirstToken() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503), FakeResponse.stream("Once ", "upon ", "a time."));
		assertThat(tellAStory()).containsExactly("Once ", "upon ", "a time.");
		assertThat(primaryRequests()).hasSize(2);
		assertGaps(primaryRequests(), Duration.ofMillis(20));
	}

	/**
	 * Ask the guide's storyteller for a story and return the tokens it was given, once
	 * the stream ended.
	 */
	private List<String> tellAStory() {
		List<String> tokens = new CopyOnWriteArrayList<>();
		CompletableFuture<Void> done = new CompletableFuture<>();
		runner().withUserConfiguration(GuideConfiguration.class).run((context) -> {
			Storyteller.tell(context.getBean(Storyteller.class), "Tell me a story.", tokens::add, done);
			done.get(10, TimeUnit.SECONDS);
		});
		return tokens;
	}

	@Test
	void anEmbeddingStoreIsFilledAndSearchedThroughTheEmbeddingsPolicy() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(20));
		runner("llm.policies.embeddings.type=embeddings", "llm.policies.embeddings.provider=openai",
				"llm.policies.embeddings.model=" + EMBEDDING)
			.withUserConfiguration(RetrievalConfiguration.class)
			.run((context) -> {
				List<TextSegment> segments = List.of(TextSegment.from("Cats purr."), TextSegment.from("Dogs bark."),
						TextSegment.from("Cows moo."));
				RetrievalConfiguration.ingest(context.getBean(EmbeddingModel.class),
						context.getBean(InMemoryEmbeddingStore.class), segments);
				List<Content> found = context.getBean(ContentRetriever.class).retrieve(Query.from("Dogs bark."));
				assertThat(found).extracting((content) -> content.textSegment().text()).containsExactly("Dogs bark.");
			});
		// The rate-limited ingestion, sent again, then the query.
		assertThat(this.server.requests(EMBEDDING)).extracting(RecordedRequest::inputs)
			.containsExactly(List.of("Cats purr.", "Dogs bark.", "Cows moo."),
					List.of("Cats purr.", "Dogs bark.", "Cows moo."), List.of("Dogs bark."));
	}

	/**
	 * A tool of the guide's travel assistant.
	 */
	public static class WeatherTools {

		@Tool("The current weather in a city")
		String weather(@P("The city") String city) {
			return "sunny, 24 degrees in " + city;
		}

	}

	/**
	 * The guide's AI Service with a tool.
	 */
	public interface TravelAssistant {

		@SystemMessage("You are a travel assistant. Check the weather before you advise.")
		String advise(String question);

	}

	/**
	 * The guide's AI Service with structured output.
	 */
	public interface Forecaster {

		Forecast forecast(String city);

	}

	/**
	 * Tomorrow's weather.
	 *
	 * @param city the city
	 * @param celsius the temperature
	 */
	public record Forecast(String city, int celsius) {

	}

	/**
	 * The guide's streaming AI Service.
	 */
	public interface Storyteller {

		TokenStream story(String prompt);

		static void tell(Storyteller storyteller, String prompt, java.util.function.Consumer<String> out,
				CompletableFuture<Void> done) {
			storyteller.story(prompt)
				.onPartialResponse(out)
				.onCompleteResponse((response) -> done.complete(null))
				.onError((error) -> {
					if (error instanceof LlmStreamInterruptedException) {
						// Tokens already sent are never sent again: say that the answer
						// stops here.
						out.accept(" [the answer was cut off]");
						done.complete(null);
					}
					else {
						done.completeExceptionally(error);
					}
				})
				.start();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GuideConfiguration {

		@Bean
		TravelAssistant travelAssistant(ChatModel chatModel) {
			return AiServices.builder(TravelAssistant.class).chatModel(chatModel).tools(new WeatherTools()).build();
		}

		@Bean
		Forecaster forecaster(ChatModel chatModel) {
			return AiServices.create(Forecaster.class, chatModel);
		}

		@Bean
		Storyteller storyteller(StreamingChatModel streamingChatModel) {
			return AiServices.builder(Storyteller.class).streamingChatModel(streamingChatModel).build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RetrievalConfiguration {

		@Bean
		InMemoryEmbeddingStore<TextSegment> embeddingStore() {
			return new InMemoryEmbeddingStore<>();
		}

		@Bean
		ContentRetriever contentRetriever(EmbeddingModel embeddingModel, EmbeddingStore<TextSegment> embeddingStore) {
			return EmbeddingStoreContentRetriever.builder()
				.embeddingModel(embeddingModel)
				.embeddingStore(embeddingStore)
				.maxResults(1)
				.build();
		}

		static void ingest(EmbeddingModel embeddingModel, EmbeddingStore<TextSegment> embeddingStore,
				List<TextSegment> segments) {
			// One call of the embeddings policy for all the segments, in order.
			List<Embedding> embeddings = embeddingModel.embedAll(segments).content();
			embeddingStore.addAll(embeddings, segments);
		}

	}

}
