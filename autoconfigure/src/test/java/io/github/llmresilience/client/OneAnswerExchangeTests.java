package io.github.llmresilience.client;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.support.RecordedSignals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatObject;

/**
 * Tests for {@link OneAnswerExchange}: one request with its read timeout, its
 * classification and its state in the context. A connector that does not say when the
 * request was written is used, so that the timeout starts at subscription, on Reactor's
 * parallel scheduler (which the tests on virtual time replace).
 */
class OneAnswerExchangeTests {

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

	private final FailureClassifier classifier = new FailureClassifier(
			ProviderSettings.of("openai", "http://127.0.0.1:9/v1", null), Clock.systemUTC());

	private final AtomicReference<ExchangeState> exchange = new AtomicReference<>();

	@Test
	void anAnswerIsPassedOnWithTheExchangeStateInTheRequestsContext() {
		Mono<String> call = exchange((state) -> Mono.deferContextual(
				(context) -> Mono.just((context.get(ExchangeState.KEY) == state) ? "answer" : "another state")));
		StepVerifier.withVirtualTime(() -> call)
			.expectNext("answer")
			.expectComplete()
			.verifyThenAssertThat()
			.hasNotDroppedErrors();
		assertThat(this.exchange.get().model()).isEqualTo("gpt-4o");
	}

	@Test
	void noAnswerWithinTheReadTimeoutCancelsTheRequestAndFailsWithATimeout() {
		TestPublisher<String> request = TestPublisher.create();
		StepVerifier.withVirtualTime(() -> answerOf(request))
			.expectSubscription()
			.expectNoEvent(READ_TIMEOUT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies((failure) -> {
				LlmException timeout = (LlmException) failure;
				assertThat(timeout.kind()).isEqualTo(FailureKind.TIMEOUT);
				assertThat(timeout.getMessage()).contains("no complete answer within 30s");
			})
			.verify();
		request.assertCancelled();
	}

	@Test
	void anAnswerBeforeTheReadTimeoutIsNotFollowedByATimeout() {
		TestPublisher<String> request = TestPublisher.create();
		StepVerifier.withVirtualTime(() -> answerOf(request))
			.expectSubscription()
			.thenAwait(READ_TIMEOUT.minusSeconds(1))
			.then(() -> request.emit("answer"))
			.expectNext("answer")
			.expectComplete()
			.verifyThenAssertThat()
			.hasNotDroppedErrors();
		this.exchange.get().expire();
		request.assertWasNotCancelled();
	}

	@Test
	void aFailureOfTheRequestIsClassified() {
		StepVerifier.create(exchange((state) -> Mono.error(new OpenAiWire.MalformedBodyException("no choices"))))
			.expectErrorSatisfies((failure) -> {
				assertThat(failure).isInstanceOf(LlmException.class);
				assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
			})
			.verify();
	}

	@Test
	void aRequestThatEndsWithoutAnAnswerIsATimeout() {
		StepVerifier.create(exchange((state) -> Mono.empty()))
			.expectErrorSatisfies(
					(failure) -> assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.TIMEOUT))
			.verify();
	}

	@Test
	void aRequestThatCannotBeBuiltFailsWithItsOwnException() {
		IllegalStateException cannot = new IllegalStateException("cannot write the body");
		StepVerifier.create(exchange((state) -> {
			throw cannot;
		})).expectErrorSatisfies((failure) -> assertThat(failure).isSameAs(cannot)).verify();
	}

	@Test
	void aCancelledExchangeCancelsItsRequestAndALaterTimeoutChangesNothing() {
		TestPublisher<String> request = TestPublisher.create();
		RecordedSignals signals = RecordedSignals.create();
		answerOf(request).subscribe(signals);
		signals.cancel();
		request.assertCancelled(1);
		this.exchange.get().expire();
		assertThat(signals.seen()).isEmpty();
	}

	@Test
	void aTimeoutThatCannotBeScheduledFailsTheExchangeAndCancelsItsRequest() {
		TestPublisher<String> request = TestPublisher.create();
		Schedulers.setFactory(new Schedulers.Factory() {

			@Override
			public Scheduler newParallel(int parallelism, ThreadFactory threadFactory) {
				// Reactor's immediate scheduler refuses a delayed task, as a disposed one
				// refuses any.
				return Schedulers.immediate();
			}

		});
		try {
			StepVerifier.create(answerOf(request))
				.expectError(RejectedExecutionException.class)
				.verify(Duration.ofSeconds(5));
			request.assertCancelled();
		}
		finally {
			Schedulers.resetFactory();
		}
	}

	@Test
	void anAnswerRacingTheTimeoutReachesTheSubscriberAloneOrNotAtAll() {
		for (int round = 0; round < 2_000; round++) {
			TestPublisher<String> request = TestPublisher.create();
			RecordedSignals signals = RecordedSignals.create();
			answerOf(request).subscribe(signals);
			RaceTestUtils.race(() -> request.emit("answer"), this.exchange.get()::expire);
			assertThatObject(signals.seen()).as("round %d", round)
				.satisfiesAnyOf((seen) -> assertThat(seen).containsExactly("answer", "complete"),
						(seen) -> assertThat(seen).containsExactly("timeout"));
		}
	}

	/**
	 * An exchange whose request answers what the test publisher sends, and is cancelled
	 * when the test publisher is.
	 */
	private Mono<String> answerOf(TestPublisher<String> request) {
		return exchange((state) -> Mono.fromDirect(request.flux()));
	}

	private <T> Mono<T> exchange(Function<ExchangeState, Mono<T>> request) {
		OneAnswerExchange.Settings settings = new OneAnswerExchange.Settings(false, READ_TIMEOUT,
				"no complete answer within 30s (llm.providers.openai.read-timeout)", this.classifier);
		return new OneAnswerExchange<>(settings, "gpt-4o", null, (state) -> {
			this.exchange.set(state);
			return request.apply(state);
		});
	}

}
