package io.github.llmresilience.testkit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the server's own tests share: one {@link FakeLlmServer} per test class from
 * {@link FakeLlmServerExtension}, reset after each test, and a {@link Chat} client that
 * asks it; an answer and an assertion that several of the tests use.
 */
@ExtendWith(FakeLlmServerExtension.class)
abstract class FakeLlmServerTestSupport {

	final Chat chat = new Chat();

	FakeLlmServer server;

	@BeforeEach
	void useTheExtensionsServer(FakeLlmServer server) {
		this.server = server;
	}

	/**
	 * Return an answer without text that calls two tools: {@code get_weather} for a city
	 * ({@code call_1}), then {@code get_time} without arguments ({@code call_2}).
	 */
	static FakeResponse weatherAndTimeToolCalls(String city) {
		return FakeResponse.ok("")
			.toolCall("call_1", "get_weather", "{\"city\":\"" + city + "\"}")
			.toolCall("call_2", "get_time", "{}");
	}

	/**
	 * Assert the usage a completion, or a stream's usage chunk, reports.
	 */
	static void assertUsage(JsonNode json, int promptTokens, int completionTokens, int totalTokens) {
		assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(promptTokens);
		assertThat(json.at("/usage/completion_tokens").asInt()).isEqualTo(completionTokens);
		assertThat(json.at("/usage/total_tokens").asInt()).isEqualTo(totalTokens);
	}

}
