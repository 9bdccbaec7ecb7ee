package io.github.llmresilience.springai;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Spring AI's {@code ChatClient}, built from the auto-configured
 * {@code ChatClient.Builder}, on {@link LlmChatModel} against a real server with faults:
 * what the server received, what the caller got, and the meters.
 */
class ChatClientBehaviourTests extends ChatClientTestSupport {

	private static ChatClient chatClient(AssertableApplicationContext context) {
		return context.getBean(ChatClient.Builder.class).build();
	}

	@Test
	void callIsRetriedAfterARateLimitAndTheMetadataSaysWhoServed() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(429).retryAfterMillis(150),
					FakeResponse.ok("Paris is the capital of France.").usage(12, 7).reportedModel("gpt-4o-2024-08-06"));
		runner().run((context) -> {
			ChatResponse response = chatClient(context).prompt()
				.system("Answer briefly.")
				.user("What is the capital of France?")
				.call()
				.chatResponse();
			assertThat(response).isNotNull();
			Generation result = response.getResult();
			assertThat(result.getOutput().getText()).isEqualTo("Paris is the capital of France.");
			assertThat(result.getMetadata().getFinishReason()).isEqualTo("STOP");
			assertThat(response.getMetadata().<Served>get(LlmChatModel.SERVED_METADATA_KEY))
				.isEqualTo(new Served("openai", PRIMARY, 2, false));
			assertThat(response.getMetadata().<String>get(LlmChatModel.POLICY_METADATA_KEY)).isEqualTo("default");
			assertThat(response.getMetadata().getModel()).isEqualTo("gpt-4o-2024-08-06");
			assertThat(response.getMetadata().getId()).isNotEmpty();
			assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(12);
			assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(7);
			assertThat(response.getMetadata().getUsage().getTotalTokens()).isEqualTo(19);
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.retries")
				.tags("policy", "default", "provider", "openai", "model", PRIMARY, "reason", "rate-limited")
				.counter()
				.count()).isEqualTo(1);
			assertOneCallTimed(meters, "outcome", "success", "provider", "openai", "fallback", "false");
		});
		assertThat(primaryRequests()).hasSize(2).allSatisfy((request) -> {
			JsonNode body = request.json();
			assertThat(body.at("/model").asString()).isEqualTo(PRIMARY);
			assertThat(body.at("/messages/0/role").asString()).isEqualTo("system");
			assertThat(body.at("/messages/0/content").asString()).isEqualTo("Answer briefly.");
			assertThat(body.at("/messages/1/role").asString()).isEqualTo("user");
			assertThat(body.at("/messages/1/content").asString()).isEqualTo("What is the capital of France?");
			assertThat(body.has("tools")).isFalse();
			assertThat(request.stream()).isFalse();
		});
		assertGaps(primaryRequests(), Duration.ofMillis(150));
	}

	@Test
	void callFallsBackAfterServerErrorsUnderThePolicyItsOptionsName() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("From the backup provider."));
		runner().run((context) -> {
			ChatResponse response = chatClient(context).prompt()
				.user("Summarise this.")
				.options(LlmChatOptions.builder().policy("summaries"))
				.call()
				.chatResponse();
			assertThat(response.getResult().getOutput().getText()).isEqualTo("From the backup provider.");
			assertThat(response.getMetadata().<Served>get(LlmChatModel.SERVED_METADATA_KEY))
				.isEqualTo(new Served("backup", FALLBACK, 4, true));
			assertThat(response.getMetadata().<String>get(LlmChatModel.POLICY_METADATA_KEY)).isEqualTo("summaries");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.retries")
				.tags("policy", "summaries", "provider", "openai", "model", PRIMARY, "reason", "server-error")
				.counter()
				.count()).isEqualTo(2);
			assertThat(meters.get("llm.fallbacks")
				.tags("policy", "summaries", "from", "openai:" + PRIMARY, "to", "backup:" + FALLBACK, "reason",
						"server-error")
				.counter()
				.count()).isEqualTo(1);
			assertOneCallTimed(meters, "provider", "backup", "fallback", "true");
		});
		assertThat(primaryRequests()).hasSize(3);
		assertThat(fallbackRequests()).singleElement()
			.satisfies((request) -> assertThat(request.json().at("/messages/0/content").asString())
				.isEqualTo("Summarise this."));
	}

	@Test
	void streamIsRetriedAfterAServerErrorBeforeItsFirstChunkAndDeliversEachChunkOnce() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503), FakeResponse.stream("Once ", "upon ", "a time."));
		runner().run((context) -> StepVerifier
			.create(chatClient(context).prompt().user("Tell me a story.").stream().content())
			.expectNext("Once ", "upon ", "a time.")
			.verifyComplete());
		assertThat(primaryRequests()).hasSize(2).allSatisfy((request) -> {
			assertThat(request.stream()).isTrue();
			assertThat(request.json().at("/stream_options/include_usage").asBoolean()).isTrue();
		});
	}

	@Test
	void streamBrokenAfterItsFirstChunksEndsWithStreamInterruptedAndIsNeitherRetriedNorFallenBack() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("Once ", "upon ", "a ", "time.").breakAfter(2));
		List<String> received = new CopyOnWriteArrayList<>();
		runner().run((context) -> StepVerifier
			.create(chatClient(context).prompt()
				.user("Tell me a story.")
				.options(LlmChatOptions.builder().policy("summaries"))
				.stream()
				.content()
				.doOnNext(received::add))
			.expectNext("Once ", "upon ")
			.expectErrorSatisfies((error) -> assertThat(
					assertInterrupted(error, FailureKind.CONNECTION, "Once upon ").chunksDelivered())
				.isEqualTo(2))
			.verify(Duration.ofSeconds(10)));
		assertThat(received).containsExactly("Once ", "upon ");
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void toolCallingLoopRunsTheToolAndSendsItsResultBackAsOneLogicalCallPerRound() {
		scriptWeatherToolLoop("Paris", 20, "It is sunny in Paris, 21 degrees.");
		WeatherTools tools = new WeatherTools();
		runner().run((context) -> {
			String answer = chatClient(context).prompt()
				.user("What is the weather in Paris?")
				.tools(tools)
				.call()
				.content();
			assertThat(answer).isEqualTo("It is sunny in Paris, 21 degrees.");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.calls").timer().count()).isEqualTo(2);
			assertThat(meters.get("llm.retries").tags("reason", "rate-limited").counter().count()).isEqualTo(1);
		});
		// The retry of the second round sent its request again; the tool ran once.
		assertThat(tools.cities).containsExactly("Paris");
		List<RecordedRequest> requests = assertWeatherToolLoopRequests(
				"{\"city\":\"Paris\",\"sky\":\"sunny\",\"celsius\":21}");
		JsonNode first = requests.get(0).json();
		assertThat(first.at("/messages")).hasSize(1);
		assertThat(first.at("/tools/0/function/parameters/type").asString()).isEqualTo("object");
		JsonNode second = requests.get(1).json();
		assertThat(second.at("/messages/1/content").isNull()).isTrue();
		assertThat(second.at("/messages/1/tool_calls/0/type").asString()).isEqualTo("function");
		assertThat(second.at("/tools/0/function/name").asString()).isEqualTo("weather");
	}

	@Test
	void streamedToolCallingLoopRunsTheToolFromTheStreamedDeltasAndStreamsTheAnswer() {
		// The tool call arrives split across chunks, as OpenAI streams it.
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Paris\"}"),
					FakeResponse.ok("It is sunny in Paris."));
		WeatherTools tools = new WeatherTools();
		runner().run((context) -> {
			StepVerifier.create(
					chatClient(context).prompt().user("What is the weather in Paris?").tools(tools).stream().content())
				.expectNext("It ", "is ", "sunny ", "in ", "Paris.")
				.verifyComplete();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.calls").timer().count()).isEqualTo(2);
		});
		assertThat(tools.cities).containsExactly("Paris");
		List<RecordedRequest> requests = primaryRequests();
		assertThat(requests).hasSize(2).allSatisfy((request) -> {
			assertThat(request.stream()).isTrue();
			assertThat(request.json().at("/tools/0/function/name").asString()).isEqualTo("weather");
		});
		JsonNode second = requests.get(1).json();
		assertThat(second.at("/messages/1/tool_calls")).hasSize(1);
		assertWeatherToolCallAnswered(second);
	}

	@Test
	void streamCutInsideAToolCallsArgumentsBeforeAnyChunkIsRetriedAndTheToolRunsOnce() {
		// The call's head, then "{\"" and "city": cut inside the arguments.
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Paris\"}").breakAfter(3),
					FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Paris\"}"),
					FakeResponse.ok("Sunny."));
		WeatherTools tools = new WeatherTools();
		runner().run((context) -> StepVerifier
			.create(chatClient(context).prompt().user("What is the weather in Paris?").tools(tools).stream().content())
			.expectNext("Sunny.")
			.verifyComplete());
		assertThat(tools.cities).containsExactly("Paris");
		List<RecordedRequest> requests = primaryRequests();
		assertThat(requests).hasSize(3);
		assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
		assertThat(requests.get(2).json().at("/messages/2/tool_call_id").asString()).isEqualTo("call_1");
	}

	@Test
	void streamCutInsideAToolCallAfterTextWasDeliveredIsInterruptedAndTheToolNeverRuns() {
		// "Let ", "me ", "check.", the call's head and "{\"": cut inside the arguments.
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("Let me check.")
				.toolCall("call_1", "weather", "{\"city\":\"Paris\"}")
				.breakAfter(5));
		WeatherTools tools = new WeatherTools();
		List<String> received = new CopyOnWriteArrayList<>();
		runner().run((context) -> StepVerifier
			.create(chatClient(context).prompt()
				.user("What is the weather in Paris?")
				.tools(tools)
				.stream()
				.content()
				.doOnNext(received::add))
			.expectNext("Let ", "me ", "check.")
			.expectErrorSatisfies((error) -> assertInterrupted(error, FailureKind.CONNECTION, "Let me check."))
			.verify(Duration.ofSeconds(10)));
		assertThat(received).containsExactly("Let ", "me ", "check.");
		assertThat(tools.cities).isEmpty();
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void entityReadsTheAnswerIntoARecordWithTheFormatInstructionsInThePrompt() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("{\"city\":\"Paris\",\"celsius\":21}"));
		runner().run((context) -> assertThat(
				chatClient(context).prompt().user("The weather in Paris, please.").call().entity(Forecast.class))
			.isEqualTo(new Forecast("Paris", 21)));
		JsonNode body = primaryRequests().get(0).json();
		assertThat(body.at("/messages/0/content").asString()).startsWith("The weather in Paris, please.")
			.contains("\"celsius\"");
		assertThat(body.has("response_format")).isFalse();
	}

	@Test
	void entityWithProviderStructuredOutputSendsTheSchemaAsResponseFormat() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("{\"city\":\"Paris\",\"celsius\":21}"));
		runner().run((context) -> assertThat(chatClient(context).prompt()
			.user("The weather in Paris, please.")
			.call()
			.entity(Forecast.class, (spec) -> spec.useProviderStructuredOutput()))
			.isEqualTo(new Forecast("Paris", 21)));
		JsonNode body = primaryRequests().get(0).json();
		assertThat(body.at("/messages/0/content").asString()).isEqualTo("The weather in Paris, please.");
		assertThat(body.at("/response_format/type").asString()).isEqualTo("json_schema");
		assertThat(body.at("/response_format/json_schema/strict").asBoolean()).isTrue();
		assertThat(body.at("/response_format/json_schema/schema/type").asString()).isEqualTo("object");
		assertThat(body.at("/response_format/json_schema/schema/properties/city/type").asString()).isEqualTo("string");
		assertThat(body.at("/response_format/json_schema/schema/properties/celsius/type").asString())
			.isEqualTo("integer");
	}

	@Test
	void optionsAreSentAsTheirOpenAiFields() {
		runner().run((context) -> chatClient(context).prompt()
			.user("hi")
			.options(LlmChatOptions.builder()
				.temperature(0.2)
				.maxTokens(50)
				.topP(0.9)
				.stopSequences(List.of("END"))
				.frequencyPenalty(0.1)
				.presencePenalty(0.3)
				.toolChoice("none")
				.responseFormat(java.util.Map.of("type", "json_object"))
				.param("seed", 7)
				.param("user", "user-1"))
			.call()
			.content());
		JsonNode body = primaryRequests().get(0).json();
		assertThat(body.at("/model").asString()).isEqualTo(PRIMARY);
		assertThat(body.at("/temperature").asDouble()).isEqualTo(0.2);
		assertThat(body.at("/max_tokens").asInt()).isEqualTo(50);
		assertThat(body.at("/top_p").asDouble()).isEqualTo(0.9);
		assertThat(body.at("/stop/0").asString()).isEqualTo("END");
		assertThat(body.at("/stop")).hasSize(1);
		assertThat(body.at("/frequency_penalty").asDouble()).isEqualTo(0.1);
		assertThat(body.at("/presence_penalty").asDouble()).isEqualTo(0.3);
		assertThat(body.at("/tool_choice").asString()).isEqualTo("none");
		assertThat(body.at("/response_format/type").asString()).isEqualTo("json_object");
		assertThat(body.at("/seed").asInt()).isEqualTo(7);
		assertThat(body.at("/user").asString()).isEqualTo("user-1");
	}

	@Test
	void unknownPolicyInTheOptionsIsAClearErrorAndSendsNothing() {
		runner().run((context) -> assertThatIllegalStateException()
			.isThrownBy(() -> chatClient(context).prompt()
				.user("hi")
				.options(LlmChatOptions.builder().policy("summarise"))
				.call()
				.content())
			.withMessageContaining("No policy named 'summarise'")
			.withMessageContaining("llm.policies.summarise")
			.withMessageContaining("summaries"));
		assertThat(this.server.requests()).isEmpty();
	}

	@Test
	void blockingCallOnANonBlockingThreadFailsAtOnceAndSendsNothing() {
		runner().run((context) -> {
			ChatClient chatClient = chatClient(context);
			assertRefusedOnANonBlockingThread(() -> chatClient.prompt().user("hi").call().content(), "stream()");
		});
	}

	@Test
	void insideAnLlmCallMethodAChatClientCallWhoseOptionsNameNoPolicyJoinsTheMethodsCall() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("From the backup provider."));
		runner("llm.policies.assistant.provider=openai", "llm.policies.assistant.model=" + PRIMARY,
				"llm.spring-ai.chat-model.policy=assistant")
			.withUserConfiguration(AnswersConfiguration.class)
			.run((context) -> {
				assertThat(context.getBean(Answers.class).answer("Summarise this."))
					.isEqualTo("From the backup provider.");
				assertOneCallTimed(context.getBean(MeterRegistry.class), "policy", "summaries", "fallback", "true");
			});
		assertThat(primaryRequests()).hasSize(3);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void insideAStreamingLlmCallMethodAChatClientStreamJoinsTheMethodsCall() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(FALLBACK).enqueue(FakeResponse.stream("Once ", "upon ", "a time."));
		runner("llm.policies.assistant.provider=openai", "llm.policies.assistant.model=" + PRIMARY,
				"llm.spring-ai.chat-model.policy=assistant")
			.withUserConfiguration(AnswersConfiguration.class)
			.run((context) -> {
				StepVerifier.create(context.getBean(Answers.class).story("Tell me a story."))
					.expectNext("Once ", "upon ", "a time.")
					.verifyComplete();
				assertOneCallTimed(context.getBean(MeterRegistry.class), "policy", "summaries", "fallback", "true");
			});
		assertThat(primaryRequests()).hasSize(3).allSatisfy((request) -> assertThat(request.stream()).isTrue());
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void insideAnLlmCallMethodAChatClientCallWhoseOptionsNameAnotherPolicyIsAnError() {
		runner().withUserConfiguration(AnswersConfiguration.class)
			.run((context) -> assertThatIllegalStateException()
				.isThrownBy(() -> context.getBean(Answers.class).answerUnder("default", "Summarise this."))
				.withMessageContaining(
						"names policy 'default' inside an @LlmCall method that runs policy 'summaries'"));
		assertThat(this.server.requests()).isEmpty();
	}

	/**
	 * An answer the model is asked to give as JSON.
	 *
	 * @param city the city
	 * @param celsius the temperature
	 */
	record Forecast(String city, int celsius) {

	}

	/**
	 * What the weather tool returns.
	 *
	 * @param city the city
	 * @param sky the sky
	 * @param celsius the temperature
	 */
	record Weather(String city, String sky, int celsius) {

	}

	static class WeatherTools {

		final List<String> cities = new CopyOnWriteArrayList<>();

		@Tool(description = "The current weather in a city")
		Weather weather(@ToolParam(description = "The city") String city) {
			this.cities.add(city);
			return new Weather(city, "sunny", 21);
		}

	}

	public static class Answers {

		private final ChatClient chatClient;

		Answers(ChatClient.Builder builder) {
			this.chatClient = builder.build();
		}

		@LlmCall(policy = "summaries")
		public String answer(String question) {
			return this.chatClient.prompt().user(question).call().content();
		}

		@LlmCall(policy = "summaries")
		public Flux<String> story(String prompt) {
			// ChatClient's Flux runs its advisor chain once: defer it, as @LlmCall
			// subscribes per attempt.
			return Flux.defer(() -> this.chatClient.prompt().user(prompt).stream().content());
		}

		@LlmCall(policy = "summaries")
		public String answerUnder(String policy, String question) {
			return this.chatClient.prompt()
				.user(question)
				.options(LlmChatOptions.builder().policy(policy))
				.call()
				.content();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AnswersConfiguration {

		@Bean
		Answers answers(ChatClient.Builder builder) {
			return new Answers(builder);
		}

	}

}
