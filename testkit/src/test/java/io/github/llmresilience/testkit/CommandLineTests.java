package io.github.llmresilience.testkit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for the arguments of {@link FakeLlmServer#main(String[])}.
 */
class CommandLineTests {

	private final Chat chat = new Chat();

	@Test
	void withoutArgumentsEveryModelSaysHelloAndNothingIsRecorded() throws Exception {
		try (FakeLlmServer server = FakeLlmServer.startFromArguments()) {
			HttpResponse<String> response = this.chat.ask(server, "any-model");
			assertThat(Chat.json(response.body()).at("/choices/0/message/content").stringValue()).isEqualTo("Hello");
			assertThat(server.requests()).isEmpty();
		}
	}

	@Test
	void chaosFlagsMixErrorsIntoTheAnswers() throws Exception {
		try (FakeLlmServer server = FakeLlmServer.startFromArguments("0", "--rate-limited=0.5", "--retry-after=3",
				"--server-error=0.5", "--seed=1", "--delay-ms=1")) {
			for (int i = 0; i < 20; i++) {
				HttpResponse<String> response = this.chat.ask(server, "m");
				assertThat(response.statusCode()).isIn(429, 500);
				if (response.statusCode() == 429) {
					assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
				}
			}
		}
	}

	@Test
	void unknownOptionsAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> FakeLlmServer.startFromArguments("--fast"))
			.withMessageContaining("--fast");
		assertThatIllegalArgumentException().isThrownBy(() -> FakeLlmServer.startFromArguments("--seed=x"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> FakeLlmServer.startFromArguments("--rate-limited=0.8", "--server-error=0.8"));
	}

}
