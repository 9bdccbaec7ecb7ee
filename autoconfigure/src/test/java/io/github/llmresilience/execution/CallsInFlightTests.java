package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedCall;
import io.github.llmresilience.support.RecordedSignals;

import static io.github.llmresilience.execution.EngineTestSupport.PRIMARY;
import static io.github.llmresilience.execution.EngineTestSupport.assertStopped;
import static io.github.llmresilience.execution.EngineTestSupport.policy;
import static io.github.llmresilience.execution.EngineTestSupport.retry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CallsInFlight}: the call's outermost operator, which ends it on
 * shutdown and ends its observation.
 */
class CallsInFlightTests {

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final LlmObservability observability = new LlmObservability(this.registry, null, null, LlmMetrics.NONE)
		.withoutCallLog();

	private final CallsInFlight inFlight = new CallsInFlight();

	@Test
	void aCallThatCompletesEndsItsObservationAsASuccessAndLeavesNothingInFlight() {
		TestPublisher<String> upstream = TestPublisher.create();
		StepVerifier.create(guarded(this.inFlight, upstream.flux()))
			.then(() -> assertThat(this.inFlight.size()).isOne())
			.then(() -> upstream.emit("answer"))
			.expectNext("answer")
			.verifyComplete();
		assertThat(this.inFlight.size()).isZero();
		assertCallObservation("success");
	}

	@Test
	void aCallThatFailsEndsItsObservationWithTheFailure() {
		LlmException failure = LlmException.builder(FailureKind.SERVER_ERROR).description("503").build();
		StepVerifier.create(guarded(this.inFlight, Flux.error(failure))).verifyErrorSatisfies((error) -> {
			assertThat(error).isSameAs(failure);
		});
		assertThat(this.inFlight.size()).isZero();
		assertCallObservation("failure");
	}

	@Test
	void aCancelledCallEndsItsObservationAsCancelledAndCancelsWhatItWaitsFor() {
		TestPublisher<String> upstream = TestPublisher.create();
		StepVerifier.create(guarded(this.inFlight, upstream.flux())).thenCancel().verify();
		upstream.assertCancelled();
		assertThat(this.inFlight.size()).isZero();
		assertCallObservation("cancelled");
	}

	@Test
	void theCallSeesItsObservationInItsContext() {
		ObservedCall observed = this.observability.startCall("default", null);
		Flux<Object> call = Flux.deferContextual((context) -> {
			Object observation = context.get(LlmObservability.OBSERVATION_KEY);
			return Flux.just(observation);
		});
		StepVerifier.create(this.inFlight.guard(call, call(), observed))
			.expectNext(observed.observation())
			.verifyComplete();
	}

	@Test
	void onShutdownACallInFlightIsCancelledAndFailsWithTheKindShutdown() {
		TestPublisher<String> upstream = TestPublisher.create();
		StepVerifier.create(guarded(this.inFlight, upstream.flux()))
			.then(this.inFlight::shutdown)
			.verifyErrorSatisfies((error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.SHUTDOWN));
		upstream.assertCancelled();
		assertThat(this.inFlight.size()).isZero();
		assertCallObservation("failure");
	}

	@Test
	void aCallSubscribedAfterTheShutdownFailsWithoutSubscribingToItsAttempts() {
		TestPublisher<String> upstream = TestPublisher.create();
		this.inFlight.shutdown();
		StepVerifier.create(guarded(this.inFlight, upstream.flux()))
			.verifyErrorSatisfies((error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.SHUTDOWN));
		upstream.assertWasNotSubscribed();
		assertThat(this.inFlight.size()).isZero();
	}

	@Test
	void anAnswerRacingTheShutdownEndsTheCallOnceAndNothingFollowsTheFailure() {
		for (int i = 0; i < 2_000; i++) {
			CallsInFlight inFlight = new CallsInFlight();
			TestPublisher<String> upstream = TestPublisher.create();
			RecordedSignals signals = RecordedSignals.withElementEnds();
			guarded(inFlight, upstream.flux()).subscribe(signals);
			RaceTestUtils.race(() -> upstream.emit("answer"), inFlight::shutdown);
			assertThat(signals.seen()).as("round %d", i)
				.isIn(List.of("answer", "/answer", "complete"), List.of("shutdown"),
						List.of("answer", "/answer", "shutdown"));
			assertThat(inFlight.size()).isZero();
		}
	}

	private Flux<String> guarded(CallsInFlight inFlight, Flux<String> call) {
		return inFlight.guard(call, call(), this.observability.startCall("default", null));
	}

	private static CallState call() {
		return new CallState(policy(retry(1, Duration.ofSeconds(1)), null, PRIMARY), true, Instant.EPOCH);
	}

	private void assertCallObservation(String outcome) {
		assertStopped(this.registry, "llm.calls", "outcome", outcome);
	}

}
