package io.github.llmresilience.springai;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The examples of {@code docs/guides/spring-ai.md}, which quotes them, run against a real
 * server so that they do what the guide says.
 */
class SpringAiGuideTests extends ChatClientTestSupport {

	@Test
	void aCallNamesItsPolicyInItsOptions() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("A short summary."));
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> assertThat(context.getBean(Summaries.class).summarise("A long text."))
				.isEqualTo("A short summary."));
		assertThat(primaryRequests()).hasSize(3)
			.allSatisfy((request) -> assertThat(request.json().at("/temperature").asDouble()).isEqualTo(0.2));
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void toolsRunInChatClientsLoop() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"Lisbon\"}"),
					FakeResponse.ok("Take sunglasses: it is sunny in Lisbon."));
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> assertThat(
					context.getBean(TravelAssistant.class).advise("What should I pack for Lisbon?"))
				.isEqualTo("Take sunglasses: it is sunny in Lisbon."));
		assertThat(primaryRequests()).hasSize(2);
		// What the tool returned, which only running it could write.
		assertThat(primaryRequests().get(1).json().at("/messages/2/content").asString())
			.isEqualTo("{\"city\":\"Lisbon\",\"sky\":\"sunny\",\"celsius\":24}");
	}

	@Test
	void entityReadsTheAnswerIntoARecord() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("{\"city\":\"Lisbon\",\"celsius\":24}"));
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> assertThat(context.getBean(Forecasts.class).forecast("Lisbon"))
				.isEqualTo(new Forecast("Lisbon", 24)));
		assertThat(primaryRequests().get(0).json().at("/response_format/type").asString()).isEqualTo("json_schema");
	}

	@Test
	void aStreamCutAfterItsFirstChunksEndsWithANote() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("Once ", "upon ", "a ", "time.").breakAfter(2));
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> StepVerifier.create(context.getBean(Stories.class).story("Tell me a story."))
				.expectNext("Once ", "upon ", " [the answer was cut off]")
				.expectComplete()
				.verify(Duration.ofSeconds(10)));
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void anLlmCallMethodAroundChatClientAnswersFromItsFallbackMethodWhenEveryTargetFailed() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(401));
		this.server.model(FALLBACK).enqueue(FakeResponse.status(401));
		runner().withUserConfiguration(GuideConfiguration.class)
			.run((context) -> assertThat(context.getBean(Digests.class).digest("A long text."))
				.isEqualTo("(no digest available right now)"));
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	public static class Summaries {

		private final ChatClient chatClient;

		Summaries(ChatClient.Builder chatClientBuilder) {
			this.chatClient = chatClientBuilder.build();
		}

		public String summarise(String text) {
			return this.chatClient.prompt()
				.system("Summarise the user's text in one or two sentences.")
				.user(text)
				.options(LlmChatOptions.builder().policy("summaries").temperature(0.2))
				.call()
				.content();
		}

	}

	public static class WeatherTools {

		@Tool(description = "The current weather in a city")
		Weather weather(@ToolParam(description = "The city") String city) {
			return new Weather(city, "sunny", 24);
		}

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

	public static class TravelAssistant {

		private final ChatClient chatClient;

		TravelAssistant(ChatClient.Builder chatClientBuilder, WeatherTools weatherTools) {
			this.chatClient = chatClientBuilder.defaultTools(weatherTools).build();
		}

		public String advise(String question) {
			return this.chatClient.prompt().user(question).call().content();
		}

	}

	/**
	 * A forecast the model writes as JSON.
	 *
	 * @param city the city
	 * @param celsius the temperature
	 */
	record Forecast(String city, int celsius) {

	}

	public static class Forecasts {

		private final ChatClient chatClient;

		Forecasts(ChatClient.Builder chatClientBuilder) {
			this.chatClient = chatClientBuilder.build();
		}

		public Forecast forecast(String city) {
			return this.chatClient.prompt()
				.user("Tomorrow's weather in " + city + ".")
				.call()
				.entity(Forecast.class, (spec) -> spec.useProviderStructuredOutput());
		}

	}

	public static class Stories {

		private final ChatClient chatClient;

		Stories(ChatClient.Builder chatClientBuilder) {
			this.chatClient = chatClientBuilder.build();
		}

		public Flux<String> story(String prompt) {
			return this.chatClient.prompt()
				.user(prompt)
				.stream()
				.content()
				// Chunks already sent are never sent again: say that the answer stops
				// here.
				.onErrorResume(LlmStreamInterruptedException.class, (ex) -> Flux.just(" [the answer was cut off]"));
		}

	}

	public static class Digests {

		private final ChatClient chatClient;

		Digests(ChatClient.Builder chatClientBuilder) {
			this.chatClient = chatClientBuilder.build();
		}

		@LlmCall(policy = "summaries", fallbackMethod = "unavailable")
		public String digest(String text) {
			return this.chatClient.prompt().user("Write a digest of: " + text).call().content();
		}

		public String unavailable(String text, LlmException cause) {
			return "(no digest available right now)";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GuideConfiguration {

		@Bean
		Summaries summaries(ChatClient.Builder chatClientBuilder) {
			return new Summaries(chatClientBuilder);
		}

		@Bean
		WeatherTools weatherTools() {
			return new WeatherTools();
		}

		@Bean
		TravelAssistant travelAssistant(ChatClient.Builder chatClientBuilder, WeatherTools weatherTools) {
			return new TravelAssistant(chatClientBuilder, weatherTools);
		}

		@Bean
		Forecasts forecasts(ChatClient.Builder chatClientBuilder) {
			return new Forecasts(chatClientBuilder);
		}

		@Bean
		Stories stories(ChatClient.Builder chatClientBuilder) {
			return new Stories(chatClientBuilder);
		}

		@Bean
		Digests digests(ChatClient.Builder chatClientBuilder) {
			return new Digests(chatClientBuilder);
		}

	}

}
