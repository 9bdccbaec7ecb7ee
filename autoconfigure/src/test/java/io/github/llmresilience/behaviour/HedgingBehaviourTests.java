package io.github.llmresilience.behaviour;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hedged requests against a real server, through {@link LlmClient} and {@code @LlmCall}:
 * the policy {@code hedged} races a primary ({@code openai}) that has not answered within
 * 300 ms against its fallback ({@code backup}); {@code hedged-same} races it against
 * itself. Each target makes one attempt, so every request the server sees is a first
 * attempt or the hedge. What the server saw, which connections the client closed, what
 * the caller got and the meters are asserted; times only from below (a timer never fires
 * early), and the answers that must come after the hedge come seconds after its delay, so
 * that a loaded machine cannot make them fail.
 */
@ExtendWith(OutputCaptureExtension.class)
class HedgingBehaviourTests extends BehaviourTestSupport {

	private static final Duration DELAY = Duration.ofMillis(300);

	private void run(ContextConsumer<AssertableApplicationContext> test, String... properties) {
		// Meters as with Actuator: llm.attempts comes from observations.
		runner(properties)
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					LlmMetricsAutoConfiguration.class))
			.withPropertyValues("llm.providers.openai.read-timeout=10s", "llm.providers.openai.first-chunk-timeout=10s",
					"llm.policies.hedged.provider=openai", "llm.policies.hedged.model=" + PRIMARY,
					"llm.policies.hedged.fallbacks[0].provider=backup",
					"llm.policies.hedged.fallbacks[0].model=" + FALLBACK, "llm.policies.hedged.retry.max-attempts=1",
					"llm.policies.hedged.hedge.enabled=true",
					"llm.policies.hedged.hedge.delay=" + DELAY.toMillis() + "ms",
					"llm.policies.hedged-same.provider=openai", "llm.policies.hedged-same.model=" + PRIMARY,
					"llm.policies.hedged-same.retry.max-attempts=1", "llm.policies.hedged-same.hedge.enabled=true",
					"llm.policies.hedged-same.hedge.delay=" + DELAY.toMillis() + "ms",
					"llm.policies.hedged-same.hedge.target=same", "llm.policies.streaming.hedge.enabled=true",
					"llm.policies.streaming.hedge.delay=" + DELAY.toMillis() + "ms",
					"llm.policies.streaming.retry.max-attempts=1")
			.run(test);
	}

	private static LlmClient llm(AssertableApplicationContext context) {
		return context.getBean(LlmClient.class);
	}

	private static double hedges(AssertableApplicationContext context, String to, String outcome) {
		Counter counter = context.getBean(MeterRegistry.class)
			.find("llm.hedges")
			.tags("from", "openai:" + PRIMARY, "to", to, "outcome", outcome)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	/**
	 * Wait until the server closed the exchanges the race left behind, then check that
	 * the meters counted the hedge to the fallback with its outcome.
	 */
	private void assertRaceEnded(AssertableApplicationContext context, int abandoned, String outcome) {
		await().atMost(Duration.ofSeconds(3)).until(() -> this.server.abandonedExchanges() == abandoned);
		assertThat(hedges(context, "backup:" + FALLBACK, outcome)).isEqualTo(1);
	}

	/**
	 * The primary received the call's request, and the fallback its hedge, once each.
	 */
	private void assertOneRequestToEachTarget() {
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	private static double allHedges(AssertableApplicationContext context) {
		return context.getBean(MeterRegistry.class)
			.find("llm.hedges")
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private static long cancelledAttempts(AssertableApplicationContext context, String provider) {
		return context.getBean(MeterRegistry.class)
			.find("llm.attempts")
			.tags("provider", provider, "result", "cancelled")
			.timers()
			.stream()
			.mapToLong(Timer::count)
			.sum();
	}

	/**
	 * Assert that a call answers what the hedge's target answered, "from the hedge", and
	 * who served it.
	 */
	private static void assertTheHedgeServes(Mono<ChatResponse> call, Served served) {
		StepVerifier.create(call).assertNext((response) -> {
			assertThat(response.content()).isEqualTo("from the hedge");
			assertThat(response.served()).isEqualTo(served);
		}).verifyComplete();
	}

	/**
	 * The time from the call's subscription to the hedge's arrival at the server: the
	 * delay counts from the start of the attempt, connecting included, so this is at
	 * least the delay.
	 */
	private static Duration sinceStart(long startNanos, RecordedRequest hedge) {
		return Duration.ofNanos(hedge.receivedNanos() - startNanos);
	}

	@Test
	void aSlowPrimaryLosesToTheHedgeAndItsExchangeIsClosed(CapturedOutput output) {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the slow primary").delay(Duration.ofSeconds(5)));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("from the hedge"));
		long[] start = new long[1];
		run((context) -> {
			start[0] = System.nanoTime();
			assertTheHedgeServes(llm(context).chat("hedged", REQUEST), new Served("backup", FALLBACK, 2, true, true));
			assertRaceEnded(context, 1, "won");
			assertThat(allHedges(context)).isEqualTo(1);
			assertThat(cancelledAttempts(context, "openai")).isEqualTo(1);
		});
		assertOneRequestToEachTarget();
		assertThat(sinceStart(start[0], fallbackRequests().get(0))).isGreaterThanOrEqualTo(DELAY);
		assertThat(output).contains("LLM call policy=hedged outcome=success served=backup:" + FALLBACK
				+ " attempts=2 fallback=true hedge=won");
	}

	@Test
	void aPrimaryThatAnswersBeforeTheDelaySendsNoHedge() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the primary"));
		run((context) -> {
			StepVerifier.create(llm(context).chat("hedged", REQUEST))
				.assertNext((response) -> assertThat(response.served())
					.isEqualTo(new Served("openai", PRIMARY, 1, false, false)))
				.verifyComplete();
			// The hedge would have been due 300 ms after the request: none comes for
			// longer.
			await().during(Duration.ofMillis(600))
				.atMost(Duration.ofSeconds(2))
				.until(() -> fallbackRequests().isEmpty());
			assertThat(allHedges(context)).isZero();
		});
		assertThat(primaryRequests()).hasSize(1);
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void whenBothAreSlowTheFirstToAnswerWinsAndTheOtherIsClosed() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the primary").delay(Duration.ofMillis(2000)));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("from the hedge").delay(Duration.ofSeconds(8)));
		run((context) -> {
			StepVerifier.create(llm(context).chat("hedged", REQUEST)).assertNext((response) -> {
				assertThat(response.content()).isEqualTo("from the primary");
				assertThat(response.served()).isEqualTo(new Served("openai", PRIMARY, 2, false, false));
			}).verifyComplete();
			assertRaceEnded(context, 1, "lost");
			assertThat(cancelledAttempts(context, "backup")).isEqualTo(1);
		});
		assertOneRequestToEachTarget();
	}

	@Test
	void whenBothFailTheCallEndsWithTheLaterFailure() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503).delay(Duration.ofMillis(1500)));
		this.server.model(FALLBACK).enqueue(FakeResponse.status(429).delay(Duration.ofMillis(2500)));
		run((context) -> {
			StepVerifier.create(llm(context).chat("hedged", REQUEST)).expectErrorSatisfies((error) -> {
				LlmException failure = (LlmException) error;
				assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
				assertThat(failure.provider()).isEqualTo("backup");
				assertThat(failure.attempts()).isEqualTo(2);
			}).verify(Duration.ofSeconds(10));
			assertThat(hedges(context, "backup:" + FALLBACK, "lost")).isEqualTo(1);
		});
		assertOneRequestToEachTarget();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void aStreamWhosePrimarySendsItsFirstChunkFirstIsServedByThePrimaryAlone() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("one ", "two ", "three").delay(Duration.ofMillis(1500)));
		this.server.model(FALLBACK).enqueue(FakeResponse.stream("hedge ", "text").delay(Duration.ofSeconds(8)));
		run((context) -> {
			StepVerifier.create(
					llm(context).stream("streaming", REQUEST).map(ChatChunk::text).filter((text) -> !text.isEmpty()))
				.expectNext("one ", "two ", "three")
				.verifyComplete();
			assertRaceEnded(context, 1, "lost");
		});
		assertOneRequestToEachTarget();
		assertThat(fallbackRequests().get(0).stream()).isTrue();
	}

	@Test
	void aStreamIsCommittedToTheHedgeWhenItsFirstChunkComesFirst() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("slow ", "text").delay(Duration.ofSeconds(5)));
		this.server.model(FALLBACK).enqueue(FakeResponse.stream("hedge ", "text"));
		run((context) -> {
			StepVerifier.create(
					llm(context).stream("streaming", REQUEST).map(ChatChunk::text).filter((text) -> !text.isEmpty()))
				.expectNext("hedge ", "text")
				.verifyComplete();
			assertRaceEnded(context, 1, "won");
		});
		assertOneRequestToEachTarget();
	}

	@Test
	void aStreamIsCommittedToTheLegWhoseWholeToolCallComesFirst() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("")
				.toolCall("call_p", "weather", "{\"city\":\"Oslo\"}")
				.delay(Duration.ofSeconds(5)));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("").toolCall("call_h", "weather", "{\"city\":\"Oslo\"}"));
		run((context) -> {
			StepVerifier.create(llm(context).stream("streaming", REQUEST).filter(ChatChunk::hasContent))
				.assertNext((chunk) -> assertThat(chunk.toolCalls()).extracting(ToolCall::id).containsExactly("call_h"))
				.verifyComplete();
			assertRaceEnded(context, 1, "won");
		});
		assertOneRequestToEachTarget();
	}

	@Test
	void cancellingTheSubscriberClosesBothExchanges() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		this.server.model(FALLBACK).thenAlways(FakeResponse.hang());
		run((context) -> {
			StepVerifier.create(llm(context).stream("streaming", REQUEST))
				.then(() -> await().atMost(Duration.ofSeconds(3)).until(() -> fallbackRequests().size() == 1))
				.thenCancel()
				.verify();
			assertRaceEnded(context, 2, "lost");
		});
		assertOneRequestToEachTarget();
	}

	@Test
	void aNonIdempotentCallIsNeverHedged() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the primary").delay(Duration.ofMillis(1000)));
		run((context) -> {
			StepVerifier
				.create(llm(context).chat("hedged", ChatRequest.builder().user("Book it.").idempotent(false).build()))
				.assertNext((response) -> assertThat(response.served())
					.isEqualTo(new Served("openai", PRIMARY, 1, false, false)))
				.verifyComplete();
			assertThat(allHedges(context)).isZero();
		});
		assertThat(fallbackRequests()).isEmpty();
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void aNonIdempotentLlmCallMethodIsNeverHedged() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the primary").delay(Duration.ofMillis(1000)));
		run((context) -> StepVerifier.create(context.getBean(Summarizer.class).summariseOnce("text"))
			.assertNext((response) -> assertThat(response.served().hedge()).isFalse())
			.verifyComplete(), "llm.policies.summaries.hedge.enabled=true", "llm.policies.summaries.hedge.delay=300ms");
		assertThat(fallbackRequests()).isEmpty();
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void withTargetSameTheHedgeIsASecondRequestToTheSameTarget() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("from the first request").delay(Duration.ofSeconds(5)),
					FakeResponse.ok("from the hedge"));
		long[] start = new long[1];
		run((context) -> {
			start[0] = System.nanoTime();
			assertTheHedgeServes(llm(context).chat("hedged-same", REQUEST),
					new Served("openai", PRIMARY, 2, false, true));
			await().atMost(Duration.ofSeconds(3)).until(() -> this.server.abandonedExchanges() == 1);
			assertThat(hedges(context, "openai:" + PRIMARY, "won")).isEqualTo(1);
		});
		assertThat(primaryRequests()).hasSize(2);
		assertThat(sinceStart(start[0], primaryRequests().get(1))).isGreaterThanOrEqualTo(DELAY);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void anLlmCallMethodIsHedgedAndItsAnswerSaysTheHedgeServed() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the slow primary").delay(Duration.ofSeconds(5)));
		this.server.model(FALLBACK).enqueue(FakeResponse.ok("from the hedge"));
		run((context) -> assertTheHedgeServes(context.getBean(Summarizer.class).summarise("text"),
				new Served("backup", FALLBACK, 2, true, true)), "llm.policies.summaries.hedge.enabled=true",
				"llm.policies.summaries.hedge.delay=300ms");
		await().atMost(Duration.ofSeconds(3)).until(() -> this.server.abandonedExchanges() == 1);
		assertOneRequestToEachTarget();
	}

	@Test
	void aBlockingLlmCallMethodIsNotHedgedBecauseItsAttemptsRunOnTheCallingThread() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("from the primary").delay(Duration.ofMillis(1000)));
		run((context) -> {
			ChatResponse response = context.getBean(Summarizer.class).summariseBlocking("text");
			assertThat(response.served()).isEqualTo(new Served("openai", PRIMARY, 1, false, false));
		}, "llm.policies.summaries.hedge.enabled=true", "llm.policies.summaries.hedge.delay=300ms");
		assertThat(fallbackRequests()).isEmpty();
	}

}
