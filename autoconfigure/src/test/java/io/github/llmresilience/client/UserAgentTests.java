package io.github.llmresilience.client;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests say who sends them: {@code User-Agent: llm-resilience/<version>}, unless the
 * provider's {@code headers} set a User-Agent of their own.
 */
class UserAgentTests extends ProviderClientTestSupport {

	private String userAgentSentWith(Map<String, String> headers) {
		ProviderSettings settings = ProviderSettings.of("openai", this.server.baseUrl(), "sk-test")
			.withHeaders(ProviderSettings.AUTHORIZATION, headers, Map.of());
		ProviderClient client = client(settings);
		this.server.model("m").enqueue(FakeResponse.ok("Hi"));
		StepVerifier.create(client.chat("m", ChatRequest.builder().user("Hello").build()))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		return this.server.requests().get(0).header("User-Agent");
	}

	@Test
	void requestsNameTheLibraryAndItsVersion() {
		assertThat(userAgentSentWith(Map.of())).matches("llm-resilience/\\d+\\.\\d+\\.\\d+.*");
	}

	@Test
	void theVersionIsTheBuiltOne() {
		assertThat(UserAgent.version()).isNotEqualTo("unknown").doesNotContain("@").doesNotContain("${");
		assertThat(UserAgent.VALUE).isEqualTo("llm-resilience/" + UserAgent.version());
	}

	@Test
	void aUserAgentInTheProvidersHeadersWinsWhateverItsCase() {
		assertThat(userAgentSentWith(Map.of("user-agent", "billing-service/2.3"))).isEqualTo("billing-service/2.3");
	}

}
