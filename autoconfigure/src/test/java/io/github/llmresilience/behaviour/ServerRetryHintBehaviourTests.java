package io.github.llmresilience.behaviour;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code x-should-retry} through {@link LlmClient} against a real server: {@code false}
 * stops the retries of the target and the kind still decides the fallback; {@code true}
 * allows a retry of a 409, 429 or 5xx that {@code retry-on-status} leaves out, and never
 * of a 400, 401, 403 or 404.
 */
class ServerRetryHintBehaviourTests extends BehaviourTestSupport {

	@ParameterizedTest(name = "HTTP {0} with x-should-retry: false is not retried and falls back")
	@CsvSource({ "429", "500", "503", "409" })
	void falseStopsTheRetriesOfARetryableStatusAndTheKindStillFallsBack(int status) {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(status).header("x-should-retry", "false"));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)));
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void falseOnARateLimitWithRetryAfterStillStopsTheRetries() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(429).retryAfterMillis(50).header("x-should-retry", "false"));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)));
		assertThat(primaryRequests()).hasSize(1);
	}

	@ParameterizedTest(name = "HTTP {0} outside retry-on-status with x-should-retry: true is retried")
	@CsvSource({ "529", "501", "409", "429" })
	void trueAllowsTheRetryOfAStatusThatRetryOnStatusLeavesOut(int status) {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(status).header("x-should-retry", "true"));
		withClient((llm) -> served(summaries(llm), new Served("openai", PRIMARY, 2, false)),
				"llm.policies.summaries.retry.retry-on-status=500,502,503");
		assertThat(primaryRequests()).hasSize(2);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void withoutTheHeaderAStatusOutsideRetryOnStatusIsNotRetried() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(529));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)),
				"llm.policies.summaries.retry.retry-on-status=500,502,503");
		assertThat(primaryRequests()).hasSize(1);
	}

	@ParameterizedTest(name = "HTTP {0} with x-should-retry: true is still not retried")
	@CsvSource({ "401, AUTH, true", "403, AUTH, true", "404, NOT_FOUND, true", "400, BAD_REQUEST, false" })
	void trueNeverMakesAClientErrorRetryable(int status, FailureKind kind, boolean fallsBack) {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(status).header("x-should-retry", "true"));
		withClient((llm) -> {
			if (fallsBack) {
				served(summaries(llm), new Served("backup", FALLBACK, 2, true));
			}
			else {
				StepVerifier.create(summaries(llm)).expectErrorSatisfies((error) -> {
					assertThat(error).isInstanceOf(LlmException.class);
					assertThat(((LlmException) error).kind()).isEqualTo(kind);
					assertThat(((LlmException) error).serverRetryHint()).isTrue();
				}).verify(Duration.ofSeconds(10));
			}
		});
		assertThat(primaryRequests()).hasSize(1);
	}

}
