package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Priority;
import io.github.llmresilience.Served;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.pacing.BatchQueue;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Priorities in front of a provider's concurrency cap, against a real server: batch
 * requests hold at most their share of {@code max-connections}, interactive ones go
 * straight to the pool.
 */
class PriorityBehaviourTests extends BehaviourTestSupport {

	private static final String BATCH_MODEL = "batch-model";

	private static final ChatRequest BATCH = REQUEST.mutate().priority(Priority.BATCH).build();

	private static final Duration ANSWER = Duration.ofMillis(300);

	private ApplicationContextRunner capped(String... properties) {
		List<String> all = new ArrayList<>(
				List.of("llm.providers.openai.max-connections=8", "llm.providers.openai.batch-share=0.25",
						"llm.policies.batch.provider=openai", "llm.policies.batch.model=" + BATCH_MODEL));
		all.addAll(List.of(properties));
		return runner(all.toArray(String[]::new))
			.withConfiguration(AutoConfigurations.of(LlmMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class);
	}

	@Test
	void withABatchShareOfAQuarterOfEightConnectionsTwoBatchRequestsAreInFlightAndInteractiveOnesTakeTheRest() {
		this.server.concurrencyLimit(8);
		this.server.model(BATCH_MODEL).thenAlways(FakeResponse.ok("batch").delay(ANSWER));
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("interactive").delay(ANSWER));
		capped().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			Flux<ChatResponse> batch = Flux.range(0, 20).flatMap((i) -> llm.chat("batch", BATCH), 20);
			Flux<ChatResponse> interactive = Flux.range(0, 20).flatMap((i) -> llm.chat("default", REQUEST), 20);
			StepVerifier.create(Flux.merge(batch, interactive).map(ChatResponse::served))
				.thenConsumeWhile((served) -> served.attempts() == 1 && !served.fallback())
				.expectComplete()
				.verify(Duration.ofSeconds(30));
		});
		assertThat(mostAtOnce(this.server.requests(BATCH_MODEL))).isEqualTo(2);
		assertThat(mostAtOnce(primaryRequests())).isBetween(6, 8);
		assertThat(this.server.requests()).hasSize(40);
		assertThat(this.server.peakExchanges()).isLessThanOrEqualTo(8);
	}

	@Test
	void anInteractiveCallBehindAThousandQueuedBatchCallsIsSentFirstAndCancelledBatchCallsLeaveTheQueue() {
		this.server.model(BATCH_MODEL).thenAlways(FakeResponse.ok("batch").delay(Duration.ofSeconds(5)));
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("interactive"));
		capped().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			BatchQueue queue = context.getBean(Pacing.class).batchQueue("openai");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			Disposable batch = Flux.range(0, 1000).flatMap((i) -> llm.chat("batch", BATCH), 1000).subscribe();
			await().until(() -> queue.queued() == 998 && this.server.requests(BATCH_MODEL).size() == 2);
			assertThat(meters.get("llm.batch.queued").tag("provider", "openai").gauge().value()).isEqualTo(998);
			StepVerifier.create(llm.chat("default", REQUEST).map(ChatResponse::served))
				.expectNext(new Served("openai", PRIMARY, 1, false))
				.expectComplete()
				.verify(Duration.ofSeconds(10));
			batch.dispose();
			assertThat(queue.queued()).isZero();
			assertThat(meters.get("llm.batch.queued").tag("provider", "openai").gauge().value()).isZero();
			await().untilAsserted(() -> assertThat(queue.inFlight()).isZero());
		});
		// Cancelling the batch calls one by one frees the places of those in flight,
		// which
		// a batch call not cancelled yet may take for a moment; none is left waiting.
		List<RecordedRequest> requests = this.server.requests();
		assertThat(requests.subList(0, 3)).extracting(RecordedRequest::model)
			.containsExactly(BATCH_MODEL, BATCH_MODEL, PRIMARY);
		assertThat(requests).hasSizeLessThan(1000);
	}

	@Test
	void aBatchRequestThatWaitsLongerThanPendingAcquireTimeoutIsNotSentAndFallsBackWithoutOpeningTheCircuit() {
		waitingForAConnection("llm.providers.openai.max-connections=2", "llm.providers.openai.batch-share=0.5")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				Disposable slow = llm.chat("summaries", BATCH).subscribe();
				await().until(() -> primaryRequests().size() == 1);
				StepVerifier.create(llm.chat("summaries", BATCH).map(ChatResponse::served))
					.assertNext((served) -> assertThat(served.provider()).isEqualTo("backup"))
					.expectComplete()
					.verify(Duration.ofSeconds(10));
				assertThat(context.getBean(CircuitBreakerRegistry.class)
					.circuitBreaker("openai:" + PRIMARY)
					.getMetrics()
					.getNumberOfFailedCalls()).isZero();
				// An interactive request is not held back by the batch queue.
				StepVerifier.create(llm.chat("default", REQUEST).map(ChatResponse::content))
					.expectNext("Hello from " + PRIMARY)
					.expectComplete()
					.verify(Duration.ofSeconds(10));
				slow.dispose();
			});
		assertThat(primaryRequests()).hasSize(2);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void anLlmCallMethodMarkedBatchQueuesItsRequestsAndAnInteractiveOneDoesNot() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("primary").delay(ANSWER));
		runner("llm.providers.openai.max-connections=2", "llm.providers.openai.batch-share=0.5").run((context) -> {
			Summarizer summarizer = context.getBean(Summarizer.class);
			StepVerifier
				.create(Flux.merge(summarizer.summariseInBackground("a"), summarizer.summariseInBackground("b")))
				.expectNextCount(2)
				.expectComplete()
				.verify(Duration.ofSeconds(10));
			assertThat(mostAtOnce(primaryRequests())).isOne();
			this.server.reset();
			this.server.model(PRIMARY).thenAlways(FakeResponse.ok("primary").delay(ANSWER));
			StepVerifier.create(Flux.merge(summarizer.summarise("a"), summarizer.summarise("b")))
				.expectNextCount(2)
				.expectComplete()
				.verify(Duration.ofSeconds(10));
			assertThat(mostAtOnce(primaryRequests())).isEqualTo(2);
		});
	}

	@Test
	void aBatchCallWaitingInTheQueueEndsAtOnceWhenTheApplicationShutsDown() {
		this.server.model(BATCH_MODEL).thenAlways(FakeResponse.ok("batch").delay(Duration.ofSeconds(5)));
		capped("llm.providers.openai.max-connections=2", "llm.providers.openai.batch-share=0.5").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			BatchQueue queue = context.getBean(Pacing.class).batchQueue("openai");
			CompletableFuture<ChatResponse> sent = llm.chat("batch", BATCH).toFuture();
			CompletableFuture<ChatResponse> queued = llm.chat("batch", BATCH).toFuture();
			await().until(() -> queue.queued() == 1 && this.server.requests(BATCH_MODEL).size() == 1);
			context.getBean(LlmExecutor.class).shutdown();
			assertThat(queued).failsWithin(Duration.ofSeconds(1))
				.withThrowableOfType(ExecutionException.class)
				.havingCause()
				.isInstanceOfSatisfying(LlmException.class,
						(failure) -> assertThat(failure.kind()).isEqualTo(FailureKind.SHUTDOWN));
			assertThat(sent).failsWithin(Duration.ofSeconds(1));
			assertThat(queue.queued()).isZero();
		});
		assertThat(this.server.requests(BATCH_MODEL)).hasSize(1);
	}

	/**
	 * The most requests the server held at once, each for {@link #ANSWER} from its
	 * arrival: a request that followed another on its connection arrived after that one
	 * was answered.
	 */
	private static int mostAtOnce(List<RecordedRequest> requests) {
		int most = 0;
		for (RecordedRequest request : requests) {
			long start = request.receivedNanos();
			long atOnce = requests.stream()
				.filter((other) -> other.receivedNanos() <= start && start < other.receivedNanos() + ANSWER.toNanos())
				.count();
			most = Math.max(most, (int) atOnce);
		}
		return most;
	}

}
