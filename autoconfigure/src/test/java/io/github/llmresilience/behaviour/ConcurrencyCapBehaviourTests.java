package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.client.ConnectionPoolExhaustedException;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A provider's concurrency limit respected with its connection pool:
 * {@code max-connections} caps the requests in flight, {@code pending-acquire-timeout}
 * bounds the wait for one.
 */
class ConcurrencyCapBehaviourTests extends BehaviourTestSupport {

	private static final int LIMIT = 4;

	private static final int CALLS = 30;

	private List<ChatResponse> manyAtOnce(LlmClient llm, String policy) {
		List<ChatResponse> responses = Flux.range(0, CALLS)
			.flatMap((i) -> llm.chat(policy, REQUEST), CALLS)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(responses).hasSize(CALLS);
		return responses;
	}

	@Test
	void withMaxConnectionsAtTheProvidersLimitTheServerNeverSeesMoreAtOnceAndAnswersNo429() {
		this.server.concurrencyLimit(LIMIT);
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("primary").delay(Duration.ofMillis(100)));
		withClient((llm) -> {
			List<ChatResponse> responses = manyAtOnce(llm, "default");
			assertThat(responses).allSatisfy(
					(response) -> assertThat(response.served()).isEqualTo(new Served("openai", PRIMARY, 1, false)));
		}, "llm.providers.openai.max-connections=" + LIMIT);
		assertThat(primaryRequests()).hasSize(CALLS);
		assertThat(this.server.peakExchanges()).isLessThanOrEqualTo(LIMIT);
	}

	@Test
	void withoutTheCapTheServerSeesTheOverrunAndAnswers429() {
		this.server.concurrencyLimit(LIMIT);
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("primary").delay(Duration.ofMillis(100)));
		List<Integer> statuses = new ArrayList<>();
		withClient((llm) -> statuses.addAll(Flux.range(0, CALLS)
			.flatMap((i) -> llm.chat("default", REQUEST)
				.map((response) -> 200)
				.onErrorResume(LlmException.class, (failure) -> Mono.justOrEmpty(failure.status())), CALLS)
			.collectList()
			.block(Duration.ofSeconds(30))));
		assertThat(this.server.peakExchanges()).isGreaterThan(LIMIT);
		// Each call's last request was answered 200 if it succeeded; every other request
		// was answered 429 (retried, or the call's failure).
		long succeeded = statuses.stream().filter((status) -> status == 200).count();
		assertThat(primaryRequests().size() - succeeded).isPositive();
		assertThat(statuses).hasSize(CALLS).isSubsetOf(200, 429);
	}

	@Test
	void aRequestThatWaitsLongerThanPendingAcquireTimeoutIsNotSentAndFallsBackWithoutOpeningTheCircuit() {
		waitingForAConnection("llm.providers.openai.max-connections=1").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			// The first call holds the only connection for two seconds.
			CompletableFuture<String> slow = llm.chat("summaries", REQUEST).map(ChatResponse::content).toFuture();
			await().until(() -> primaryRequests().size() == 1);
			StepVerifier.create(llm.chat("summaries", REQUEST).map(ChatResponse::content))
				.expectNext("fallback")
				.expectComplete()
				.verify(Duration.ofSeconds(10));
			assertThat(slow).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("slow");
			// Not a provider failure: the primary's circuit stays closed.
			StepVerifier.create(llm.chat("default", REQUEST).map((r) -> r.served()))
				.expectNext(new Served("openai", PRIMARY, 1, false))
				.expectComplete()
				.verify(Duration.ofSeconds(10));
		});
		assertThat(primaryRequests()).hasSize(2);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void aCallWithNoFallbackGetsAConnectionFailureNamingTheProperties() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("slow").delay(Duration.ofSeconds(2)));
		runner("llm.providers.openai.max-connections=1", "llm.providers.openai.pending-acquire-timeout=100ms",
				"llm.defaults.retry.max-attempts=1")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				CompletableFuture<ChatResponse> slow = llm.chat("default", REQUEST).toFuture();
				await().until(() -> primaryRequests().size() == 1);
				LlmException failure = failure(llm.chat("default", REQUEST));
				assertThat(failure.kind()).isEqualTo(FailureKind.CONNECTION);
				assertThat(failure.requestSent()).isFalse();
				assertThat(failure.getCause()).isInstanceOf(ConnectionPoolExhaustedException.class);
				assertThat(failure.getMessage()).contains("llm.providers.openai.pending-acquire-timeout",
						"max-connections");
				assertThat(slow).succeedsWithin(Duration.ofSeconds(10));
			});
		assertThat(primaryRequests()).hasSize(1);
	}

}
