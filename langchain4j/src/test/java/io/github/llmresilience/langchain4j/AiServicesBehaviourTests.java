package io.github.llmresilience.langchain4j;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * LangChain4j's AI Services (a tool-calling service, a structured-output service, a
 * streaming service with {@code TokenStream}) on the auto-configured models against a
 * real server with faults: what the server received, what the caller got, what the
 * listeners were told and the meters.
 */
class AiServicesBehaviourTests extends AiServicesTestSupport {

	private static RecordingListener listener(AssertableApplicationContext context) {
		return context.getBean(RecordingListener.class);
	}

	private static <T> T service(AssertableApplicationContext context, Class<T> type, Object... tools) {
		AiServices<T> builder = AiServices.builder(type)
			.chatModel(context.getBean(ChatModel.class))
			.streamingChatModel(context.getBean(StreamingChatModel.class));
		if (tools.length > 0) {
			builder.tools(tools);
		}
		return builder.build();
	}

	private static ChatResponse await(CompletableFuture<ChatResponse> done) throws Exception {
		return done.get(10, TimeUnit.SECONDS);
	}

	@Test
	void toolCallingServiceRetriesARateLimitAndRunsTheToolOnce() {
		scriptWeatherToolLoop("Paris", 150, "It is sunny in Paris, 21 degrees.");
		WeatherTools tools = new WeatherTools();
		runner().run((context) -> {
			Assistant assistant = service(context, Assistant.class, tools);
			assertThat(assistant.chat("What is the weather in Paris?")).isEqualTo("It is sunny in Paris, 21 degrees.");
			// One logical call per round of the tool loop, each told to the listeners
			// once.
			assertThat(listener(context).events).containsExactly("request", "response", "request", "response");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.calls").timer().count()).isEqualTo(2);
			assertThat(meters.get("llm.retries").tags("reason", "rate-limited").counter().count()).isEqualTo(1);
		});
		// The retry of the second round sent its request again; the tool ran once.
		assertThat(tools.cities).containsExactly("Paris");
		List<RecordedRequest> requests = assertWeatherToolLoopRequests("sunny, 21 degrees in Paris");
		assertThat(requests).allSatisfy((request) -> assertThat(request.stream()).isFalse());
		assertGaps(requests.subList(1, 3), Duration.ofMillis(150));
		JsonNode first = requests.get(0).json();
		assertThat(first.at("/model").asString()).isEqualTo(PRIMARY);
		assertThat(first.at("/messages/0/role").asString()).isEqualTo("user");
		assertThat(first.at("/messages/0/content").asString()).isEqualTo("What is the weather in Paris?");
	}

	@Test
	void structuredOutputServiceFallsBackAfterServerErrorsAndSendsTheJsonSchema() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("{\"city\":\"Paris\",\"celsius\":21}").usage(30, 9));
		runner("llm.langchain4j.chat-model.policy=summaries").run((context) -> {
			Forecaster forecaster = service(context, Forecaster.class);
			assertThat(forecaster.forecast("Paris")).isEqualTo(new Forecast("Paris", 21));
			RecordingListener listener = listener(context);
			assertThat(listener.events).containsExactly("request", "response");
			ChatResponse response = listener.responses.get(0).chatResponse();
			assertThat(response.metadata()).isInstanceOfSatisfying(LlmChatResponseMetadata.class, (metadata) -> {
				assertThat(metadata.served()).isEqualTo(new Served("backup", FALLBACK, 4, true));
				assertThat(metadata.policy()).isEqualTo("summaries");
			});
			assertThat(response.modelName()).isEqualTo(FALLBACK);
			assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
			assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(30);
			assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(9);
			assertThat(response.id()).isNotEmpty();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.fallbacks")
				.tags("policy", "summaries", "from", "openai:" + PRIMARY, "to", "backup:" + FALLBACK, "reason",
						"server-error")
				.counter()
				.count()).isEqualTo(1);
		});
		assertThat(primaryRequests()).hasSize(3);
		JsonNode body = fallbackRequests().get(0).json();
		assertThat(body.at("/model").asString()).isEqualTo(FALLBACK);
		assertThat(body.at("/response_format/type").asString()).isEqualTo("json_schema");
		assertThat(body.at("/response_format/json_schema/name").asString()).isEqualTo("Forecast");
		assertThat(body.at("/response_format/json_schema/schema/type").asString()).isEqualTo("object");
		assertThat(body.at("/response_format/json_schema/schema/properties/city/type").asString()).isEqualTo("string");
		assertThat(body.at("/response_format/json_schema/schema/properties/celsius/type").asString())
			.isEqualTo("integer");
	}

	@Test
	void streamingServiceIsRetriedBeforeItsFirstTokenAndStreamsEachTokenOnce() throws Exception {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503), FakeResponse.stream("Once ", "upon ", "a time."));
		List<String> tokens = new CopyOnWriteArrayList<>();
		CompletableFuture<ChatResponse> done = new CompletableFuture<>();
		runner().run((context) -> {
			service(context, Storyteller.class).tell("Tell me a story.")
				.onPartialResponse(tokens::add)
				.onCompleteResponse(done::complete)
				.onError(done::completeExceptionally)
				.start();
			ChatResponse response = await(done);
			assertThat(response.aiMessage().text()).isEqualTo("Once upon a time.");
			assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
			assertThat(response.tokenUsage()).isNotNull();
			assertThat(listener(context).events).containsExactly("request", "response");
		});
		assertThat(tokens).containsExactly("Once ", "upon ", "a time.");
		assertThat(primaryRequests()).hasSize(2).allSatisfy((request) -> assertThat(request.stream()).isTrue());
	}

	@Test
	void streamingServiceCutAfterItsFirstTokensEndsWithStreamInterruptedAndIsNotFallenBack() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("Once ", "upon ", "a ", "time.").breakAfter(2));
		List<String> tokens = new CopyOnWriteArrayList<>();
		CompletableFuture<ChatResponse> done = new CompletableFuture<>();
		runner("llm.langchain4j.chat-model.policy=summaries").run((context) -> {
			service(context, Storyteller.class).tell("Tell me a story.")
				.onPartialResponse(tokens::add)
				.onCompleteResponse(done::complete)
				.onError(done::completeExceptionally)
				.start();
			ExecutionException failure = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
					() -> await(done));
			assertThat(failure.getCause()).isInstanceOfSatisfying(LlmStreamInterruptedException.class,
					(interrupted) -> {
						assertThat(interrupted.kind()).isEqualTo(FailureKind.CONNECTION);
						assertThat(interrupted.partialText()).isEqualTo("Once upon ");
					});
			RecordingListener listener = listener(context);
			assertThat(listener.events).containsExactly("request", "error");
			assertThat(listener.errors.get(0).error()).isInstanceOf(LlmStreamInterruptedException.class);
		});
		assertThat(tokens).containsExactly("Once ", "upon ");
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void streamingToolLoopRunsTheToolFromTheStreamedDeltasAndStreamsTheAnswer() throws Exception {
		// The tool call arrives split across chunks, as OpenAI streams it.
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Paris\"}"),
					FakeResponse.ok("Sunny in Paris."));
		WeatherTools tools = new WeatherTools();
		List<String> tokens = new CopyOnWriteArrayList<>();
		CompletableFuture<ChatResponse> done = new CompletableFuture<>();
		runner().run((context) -> {
			service(context, Storyteller.class, tools).tell("What is the weather in Paris?")
				.onPartialResponse(tokens::add)
				.onCompleteResponse(done::complete)
				.onError(done::completeExceptionally)
				.start();
			assertThat(await(done).aiMessage().text()).isEqualTo("Sunny in Paris.");
			assertThat(listener(context).events).containsExactly("request", "response", "request", "response");
		});
		assertThat(tools.cities).containsExactly("Paris");
		assertThat(tokens).containsExactly("Sunny ", "in ", "Paris.");
		List<RecordedRequest> requests = primaryRequests();
		assertThat(requests).hasSize(2).allSatisfy((request) -> assertThat(request.stream()).isTrue());
		assertWeatherToolCallAnswered(requests.get(1).json());
	}

	@Test
	void anImageOrAModelNameFailsAtOnceSayingWhatToDoAndSendsNothing() {
		runner().run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> model.chat(UserMessage.from(TextContent.from("What is in this picture?"),
						ImageContent.from("https://example.com/cat.png"))))
				.withMessageContaining("image content")
				.withMessageContaining("describe the media in text");
			ChatRequest withModel = ChatRequest.builder()
				.messages(UserMessage.from("Hello"))
				.parameters(ChatRequestParameters.builder().modelName("gpt-4.1").build())
				.build();
			assertThatIllegalArgumentException().isThrownBy(() -> model.chat(withModel))
				.withMessageContaining("modelName ('gpt-4.1')")
				.withMessageContaining("llm.langchain4j.chat-model.policy");
			CompletableFuture<ChatResponse> streamed = new CompletableFuture<>();
			context.getBean(StreamingChatModel.class).chat(withModel, handler(streamed));
			assertThat(streamed).isCompletedExceptionally();
			assertThat(listener(context).events).containsExactly("request", "error", "request", "error", "request",
					"error");
		});
		assertThat(this.server.requests()).isEmpty();
	}

	@Test
	void aBlockingCallOnANonBlockingThreadFailsAtOnce() {
		runner().run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			assertRefusedOnANonBlockingThread(() -> model.chat("Hello"), "LlmStreamingChatModel");
		});
	}

	@Test
	void insideAnLlmCallMethodAnAiServiceCallJoinsTheMethodsCallAndFallsBackWithIt() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("From the backup provider."));
		runner().withUserConfiguration(DigestsConfiguration.class).run((context) -> {
			assertThat(context.getBean(Digests.class).digest("Summarise this.")).isEqualTo("From the backup provider.");
			assertOneCallTimed(context.getBean(MeterRegistry.class), "policy", "summaries", "fallback", "true");
			// LangChain4j tells the listeners of each attempt's model call.
			assertThat(listener(context).events).containsExactly("request", "error", "request", "error", "request",
					"error", "request", "response");
		});
		assertThat(primaryRequests()).hasSize(3);
		assertThat(fallbackRequests()).hasSize(1);
	}

	private static StreamingChatResponseHandler handler(CompletableFuture<ChatResponse> done) {
		return new StreamingChatResponseHandler() {

			@Override
			public void onCompleteResponse(ChatResponse response) {
				done.complete(response);
			}

			@Override
			public void onError(Throwable error) {
				done.completeExceptionally(error);
			}

		};
	}

	/**
	 * An {@code @LlmCall} method that asks an AI Service: the method's policy runs the
	 * call, and the method is invoked again on each attempt.
	 */
	public static class Digests {

		private final Assistant assistant;

		Digests(Assistant assistant) {
			this.assistant = assistant;
		}

		@LlmCall(policy = "summaries")
		public String digest(String text) {
			return this.assistant.chat(text);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DigestsConfiguration {

		@Bean
		Digests digests(ChatModel chatModel) {
			return new Digests(AiServices.builder(Assistant.class).chatModel(chatModel).build());
		}

	}

	interface Assistant {

		String chat(String message);

	}

	interface Forecaster {

		Forecast forecast(String city);

	}

	interface Storyteller {

		TokenStream tell(String prompt);

	}

	/**
	 * Tomorrow's weather.
	 *
	 * @param city the city
	 * @param celsius the temperature
	 */
	record Forecast(String city, int celsius) {

	}

	static class WeatherTools {

		final List<String> cities = new CopyOnWriteArrayList<>();

		@Tool("The current weather in a city")
		String weather(@P("The city") String city) {
			this.cities.add(city);
			return "sunny, 21 degrees in " + city;
		}

	}

}
