package io.github.llmresilience.execution;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.TargetAdmission.Reservation;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedAttempt;

import static io.github.llmresilience.execution.EngineTestSupport.PRIMARY;
import static io.github.llmresilience.execution.EngineTestSupport.assertStopped;

/**
 * Tests for {@link AttemptEnd}: what the end of one request tells the attempt's
 * observation.
 */
class AttemptEndTests {

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final LlmObservability observability = new LlmObservability(this.registry, null, null, LlmMetrics.NONE);

	@Test
	void anAnswerEndsTheAttemptAsASuccessBeforeTheCallerHasIt() {
		ObservedAttempt observed = attempt();
		Mono<String> request = Mono.just("answer");
		StepVerifier.create(AttemptEnd.of(request, observed, Reservation.NONE))
			.assertNext((answer) -> assertAttempt("success"))
			.verifyComplete();
	}

	@Test
	void aFailureEndsTheAttemptWithItsKind() {
		LlmException failure = LlmException.builder(FailureKind.RATE_LIMITED).description("429").status(429).build();
		StepVerifier.create(AttemptEnd.of(Mono.error(failure), attempt(), Reservation.NONE))
			.expectErrorMatches(failure::equals)
			.verify();
		assertAttempt("rate-limited");
	}

	@Test
	void aCancelledRequestEndsTheAttemptAsCancelledAndCancelsTheExchange() {
		TestPublisher<String> exchange = TestPublisher.create();
		StepVerifier.create(AttemptEnd.of(exchange.mono(), attempt(), Reservation.NONE)).thenCancel().verify();
		exchange.assertCancelled();
		assertAttempt("cancelled");
	}

	@Test
	void anObservationHandlerThatFailsOnTheAnswerFailsTheRequestAndCancelsTheExchange() {
		ObservationRegistry failing = ObservationRegistry.create();
		failing.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

			@Override
			public void onStop(Observation.Context context) {
				throw new IllegalStateException("handler failed");
			}

		});
		ObservedAttempt observed = new LlmObservability(failing, null, null, LlmMetrics.NONE).startAttempt("default",
				PRIMARY, null);
		TestPublisher<String> exchange = TestPublisher.create();
		// fromDirect: nothing between the two cancels the exchange on its answer.
		StepVerifier.create(AttemptEnd.of(Mono.fromDirect(exchange.flux()), observed, Reservation.NONE))
			.then(() -> exchange.next("answer"))
			.expectErrorMessage("handler failed")
			.verify();
		exchange.assertCancelled();
	}

	@Test
	void theRequestSeesTheAttemptsObservationInItsContext() {
		ObservedAttempt observed = attempt();
		Mono<Object> request = Mono.deferContextual((context) -> {
			Object observation = context.get(LlmObservability.OBSERVATION_KEY);
			return Mono.just(observation);
		});
		StepVerifier.create(AttemptEnd.of(request, observed, Reservation.NONE))
			.expectNext(observed.observation())
			.verifyComplete();
	}

	private ObservedAttempt attempt() {
		return this.observability.startAttempt("default", PRIMARY, null);
	}

	private void assertAttempt(String result) {
		assertStopped(this.registry, "llm.attempts", "result", result);
	}

}
