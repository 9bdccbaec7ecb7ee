package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static io.github.llmresilience.behaviour.StartupFailures.failsToStart;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Embeddings under the same policies as chat, against a real server: an embeddings policy
 * whose primary is one provider's model and whose fallback is the same model (another
 * name, the same {@code model-family}) on the other provider, both asked for 16
 * dimensions.
 */
class EmbeddingsBehaviourTests extends BehaviourTestSupport {

	static final int DIMENSIONS = 16;

	private ApplicationContextRunner embeddings(String... properties) {
		List<String> all = new ArrayList<>(List.of("llm.policies.embeddings.dimensions=" + DIMENSIONS,
				"llm.policies.embeddings.fallbacks[0].dimensions=" + DIMENSIONS));
		all.addAll(List.of(properties));
		return embeddingsRunner(all.toArray(String[]::new));
	}

	private static List<String> inputs(int count) {
		return IntStream.range(0, count).mapToObj((i) -> "chunk number " + i).toList();
	}

	private static void assertVectorsOf(EmbeddingResponse response, List<String> inputs) {
		assertThat(response.size()).isEqualTo(inputs.size());
		for (int i = 0; i < inputs.size(); i++) {
			assertThat(response.vector(i)).as("vector %d", i)
				.containsExactly(FakeLlmServer.embedding(inputs.get(i), DIMENSIONS));
		}
	}

	@Test
	void aRateLimitedRequestIsSentAgainAfterRetryAfterAndTheVectorsComeBackInOrder() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(300));
		List<String> inputs = List.of("the first chunk", "the second chunk", "the third chunk");
		embeddings().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.embed(EmbeddingRequest.of(inputs).user("user-42"))).assertNext((response) -> {
				assertVectorsOf(response, inputs);
				assertThat(response.served()).isEqualTo(new Served("openai", EMBEDDING, 2, false));
				assertThat(response.usage().promptTokens()).isEqualTo(9);
			}).verifyComplete();
			List<RecordedRequest> requests = this.server.requests(EMBEDDING);
			assertThat(requests).hasSize(2);
			assertGaps(requests, Duration.ofMillis(300));
			RecordedRequest request = requests.get(0);
			assertThat(request.path()).isEqualTo("/openai/v1/embeddings");
			assertThat(request.inputs()).isEqualTo(inputs);
			assertThat(request.json().get("dimensions").asInt()).isEqualTo(DIMENSIONS);
			assertThat(request.json().get("user").asString()).isEqualTo("user-42");
			assertThat(request.header("Authorization")).isEqualTo("Bearer sk-primary-key");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.retries")
				.tags("policy", "embeddings", "provider", "openai", "model", EMBEDDING, "reason", "rate-limited")
				.counter()
				.count()).isEqualTo(1);
			assertThat(meters.get("llm.calls").tags("policy", "embeddings", "outcome", "success").timer().count())
				.isEqualTo(1);
			assertThat(meters.get("llm.attempts")
				.tags("policy", "embeddings", "model", EMBEDDING, "result", "rate-limited")
				.timer()
				.count()).isEqualTo(1);
			// An embedding has input tokens only.
			assertThat(meters.get("gen_ai.client.token.usage")
				.tags("gen_ai.operation.name", "embeddings", "gen_ai.request.model", EMBEDDING, "gen_ai.token.type",
						"input")
				.summary()
				.totalAmount()).isEqualTo(9);
			assertThat(meters.find("gen_ai.client.token.usage").tags("gen_ai.token.type", "output").summaries())
				.isEmpty();
		});
	}

	@Test
	void aSlowAttemptIsHedgedOnTheNextTargetAndTheFirstAnswerWins() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.embeddings().delay(Duration.ofSeconds(5)));
		embeddings("llm.policies.embeddings.hedge.enabled=true", "llm.policies.embeddings.hedge.delay=200ms")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				StepVerifier.create(llm.embed(EmbeddingRequest.of("slow")))
					.assertNext((response) -> assertThat(response.served())
						.isEqualTo(new Served("backup", BACKUP_EMBEDDING, 2, true, true)))
					.expectComplete()
					.verify(Duration.ofSeconds(4));
				assertThat(this.server.requests(BACKUP_EMBEDDING)).hasSize(1);
				await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isEqualTo(1));
			});
	}

	@Test
	void aTestAssertsTheVectorsItsCodeGotBackAndWhatTheServerReceived() {
		// The example of docs/guides/testing.md.
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(50));
		embeddings().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			EmbeddingResponse response = llm.embed(EmbeddingRequest.of("first", "second")).block();

			assertThat(response.vector(1)).containsExactly(FakeLlmServer.embedding("second", 16));
			assertThat(this.server.requests("text-embedding-3-small")).hasSize(2)
				.allSatisfy((request) -> assertThat(request.inputs()).containsExactly("first", "second"));
		});
	}

	@Test
	void aServerErrorFallsBackToTheSameModelFamilyOnAnotherProvider() {
		this.server.model(EMBEDDING).thenAlways(FakeResponse.status(503));
		List<String> inputs = List.of("a question");
		embeddings().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.embed(EmbeddingRequest.of(inputs))).assertNext((response) -> {
				assertVectorsOf(response, inputs);
				assertThat(response.served()).isEqualTo(new Served("backup", BACKUP_EMBEDDING, 3, true));
			}).verifyComplete();
			assertThat(this.server.requests(EMBEDDING)).hasSize(2);
			assertThat(this.server.requests(BACKUP_EMBEDDING)).singleElement().satisfies((request) -> {
				assertThat(request.path()).isEqualTo("/backup/v1/embeddings");
				assertThat(request.json().get("dimensions").asInt()).isEqualTo(DIMENSIONS);
			});
			assertThat(context.getBean(MeterRegistry.class)
				.get("llm.fallbacks")
				.tags("policy", "embeddings", "from", "openai:" + EMBEDDING, "to", "backup:" + BACKUP_EMBEDDING,
						"reason", "server-error")
				.counter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void targetsOfDifferentModelFamiliesStopTheStartUp() {
		embeddings("llm.policies.embeddings.fallbacks[0].model-family=text-embedding-ada-002")
			.run(failsToStart(InvalidConfigurationPropertyValueException.class,
					"llm.policies.embeddings.fallbacks[0].model-family", "llm.policies.embeddings.allow-mixed-models"));
	}

	@Test
	void targetsOfDifferentDimensionsStopTheStartUp() {
		embeddings("llm.policies.embeddings.fallbacks[0].dimensions=1536").run(failsToStart(
				InvalidConfigurationPropertyValueException.class, "llm.policies.embeddings.fallbacks[0].dimensions"));
	}

	@Test
	void fiveThousandInputsAreSentInBatchesOfTheProvidersLimitAndComeBackInOrder() {
		List<String> inputs = inputs(5000);
		embeddings().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.embed(EmbeddingRequest.of(inputs)))
				.assertNext((response) -> assertVectorsOf(response, inputs))
				.verifyComplete();
			List<RecordedRequest> requests = this.server.requests(EMBEDDING);
			assertThat(requests).extracting((request) -> request.inputs().size())
				.containsExactlyInAnyOrder(2048, 2048, 904);
			List<String> sent = new ArrayList<>();
			requests.stream()
				.sorted((a, b) -> Integer.compare(inputs.indexOf(a.inputs().get(0)), inputs.indexOf(b.inputs().get(0))))
				.forEach((request) -> sent.addAll(request.inputs()));
			assertThat(sent).isEqualTo(inputs);
			// Each batch is a logical call of its own.
			assertThat(context.getBean(MeterRegistry.class)
				.get("llm.calls")
				.tags("policy", "embeddings", "outcome", "success")
				.timer()
				.count()).isEqualTo(3);
		});
	}

	@Test
	void aBatchThatFailsFailsTheCallAndTheOtherBatchesRequestsAreClosed() {
		this.server.model(EMBEDDING)
			.respondWith((request) -> request.inputs().contains("poison")
					? FakeResponse.error(400, "invalid_request_error", null, "'$.input' is invalid.")
					: FakeResponse.hang());
		List<String> inputs = List.of("one", "two", "poison", "four", "five", "six");
		embeddings("llm.providers.openai.max-inputs-per-request=2").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.embed(EmbeddingRequest.of(inputs)))
				.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOfSatisfying(LlmException.class,
						(llmFailure) -> assertThat(llmFailure.kind()).isEqualTo(FailureKind.BAD_REQUEST)))
				.verify(Duration.ofSeconds(5));
			// The poisoned batch's answer may come before a third request was written;
			// that
			// request is then cancelled unsent. Every request that was sent and hung is
			// closed.
			await().untilAsserted(() -> {
				int sent = this.server.requests(EMBEDDING).size();
				assertThat(sent).isBetween(2, 3);
				assertThat(this.server.abandonedExchanges()).isEqualTo(sent - 1);
				assertThat(this.server.activeExchanges()).isZero();
			});
			assertThat(this.server.requests(BACKUP_EMBEDDING)).isEmpty();
		});
	}

	@Test
	void withMixedModelsEveryBatchGoesToTheTargetThatServedTheFirst() {
		this.server.model(EMBEDDING).thenAlways(FakeResponse.status(503));
		List<String> inputs = List.of("one", "two", "three", "four", "five");
		embeddings("llm.policies.embeddings.allow-mixed-models=true",
				"llm.policies.embeddings.fallbacks[0].model-family=another-model",
				"llm.policies.embeddings.retry.max-attempts=1", "llm.providers.openai.max-inputs-per-request=2",
				"llm.policies.embeddings.max-concurrent-batches=1")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				StepVerifier.create(llm.embed(EmbeddingRequest.of(inputs))).assertNext((response) -> {
					assertVectorsOf(response, inputs);
					assertThat(response.served().provider()).isEqualTo("backup");
					assertThat(response.served().attempts()).isEqualTo(4);
				}).verifyComplete();
				assertThat(this.server.requests(EMBEDDING)).singleElement()
					.satisfies((request) -> assertThat(request.inputs()).containsExactly("one", "two"));
				assertThat(this.server.requests(BACKUP_EMBEDDING)).extracting(RecordedRequest::inputs)
					.containsExactly(List.of("one", "two"), List.of("three", "four"), List.of("five"));
			});
	}

	@Test
	void anAttemptThatTimesOutIsSentAgainBecauseEmbeddingsAreIdempotent() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.hang());
		embeddings("llm.providers.openai.read-timeout=300ms").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.embed(EmbeddingRequest.of("slow")))
				.assertNext((response) -> assertThat(response.served())
					.isEqualTo(new Served("openai", EMBEDDING, 2, false)))
				.verifyComplete();
			assertThat(this.server.requests(EMBEDDING)).hasSize(2);
		});
	}

	@Test
	void aTargetWhoseTokenLimitIsUsedUpIsPacedAndTheCallFallsBack() {
		// As OpenAI sends them:
		// https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
		this.server.model(EMBEDDING)
			.enqueue(FakeResponse.embeddings()
				.header("x-ratelimit-limit-tokens", "1000000")
				.header("x-ratelimit-remaining-tokens", "0")
				.header("x-ratelimit-reset-tokens", "30s"));
		embeddings().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.embed(EmbeddingRequest.of("first")))
				.assertNext((response) -> assertThat(response.served().provider()).isEqualTo("openai"))
				.verifyComplete();
			StepVerifier.create(llm.embed(EmbeddingRequest.of("second")))
				.assertNext((response) -> assertThat(response.served())
					.isEqualTo(new Served("backup", BACKUP_EMBEDDING, 1, true)))
				.verifyComplete();
			assertThat(this.server.requests(EMBEDDING)).hasSize(1);
			assertThat(context.getBean(MeterRegistry.class)
				.get("llm.paced")
				.tags("provider", "openai", "model", EMBEDDING, "action", "skipped")
				.counter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void embedInsideAnLlmCallMethodIsALogicalCallOfItsOwnUnderItsOwnPolicy() {
		this.server.model(EMBEDDING).enqueue(FakeResponse.status(429).retryAfterMillis(50));
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("An answer."));
		embeddings().run((context) -> {
			Summarizer summarizer = context.getBean(Summarizer.class);
			served(summarizer.summariseWithRetrieval("What is a vector?"), new Served("openai", PRIMARY, 1, false));
			// The embeddings policy retried its own 429: the method's attempt saw no
			// failure.
			assertThat(this.server.requests(EMBEDDING)).hasSize(2);
			assertThat(primaryRequests()).hasSize(1);
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.calls").tags("policy", "embeddings", "outcome", "success").timer().count())
				.isEqualTo(1);
			assertThat(meters.get("llm.calls").tags("policy", "summaries", "outcome", "success").timer().count())
				.isEqualTo(1);
		});
	}

	@Test
	void eachKindOfCallRefusesAPolicyOfTheOtherKindNamingTheProperty() {
		embeddings().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.chat("embeddings", ChatRequest.builder().user("Hello").build()))
				.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("llm.policies.embeddings.type"))
				.verify();
			StepVerifier.create(llm.embed("summaries", EmbeddingRequest.of("Hello")))
				.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("llm.policies.summaries.type"))
				.verify();
			assertThat(this.server.requests()).isEmpty();
		});
	}

	@Test
	void withoutAnEmbeddingsPolicyEmbedSaysWhichPolicyToAdd() {
		runner().run((context) -> StepVerifier.create(context.getBean(LlmClient.class).embed(EmbeddingRequest.of("x")))
			.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("llm.policies.embeddings"))
			.verify());
	}

}
