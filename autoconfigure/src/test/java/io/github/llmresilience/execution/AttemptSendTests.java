package io.github.llmresilience.execution;

import java.time.Duration;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AttemptSend}: an attempt's request, noted as sent when it is
 * subscribed to, its elements counted before they go on, its failure classified.
 */
class AttemptSendTests extends EngineTestSupport {

	private final TargetAdmission admission = new TargetAdmission(pacing(), new RetryDecider(this.clock, () -> 0L),
			this.clock, this.metrics);

	private final CallState call = new CallState(policy(retry(1, Duration.ofMillis(1)), null, PRIMARY), true,
			this.clock.instant());

	private final AttemptScope scope = new AttemptScope(this.call, PRIMARY, 0, 1);

	private final StreamGate<String> gate = new StreamGate<>(this.scope, (element) -> element,
			(failure, gate) -> new Classified(failure));

	@Test
	void eachSubscriptionIsNotedAsSentToItsProviderAndItsElementsAreCountedBeforeTheyGoOn() {
		Flux<String> send = send((scope) -> Flux.just("a", "b"));
		assertThat(this.call.hasSentTo(PRIMARY.provider())).isFalse();
		StepVerifier.create(send)
			.expectNextMatches((element) -> element.equals("a") && this.gate.count() == 1)
			.expectNextMatches((element) -> element.equals("b") && this.gate.text().equals("ab"))
			.verifyComplete();
		assertThat(this.call.hasSentTo(PRIMARY.provider())).isTrue();
	}

	@Test
	void aFailureIsClassifiedForTheLayersAround() {
		LlmException failure = LlmException.builder(FailureKind.SERVER_ERROR).description("503").build();
		StepVerifier.create(send((scope) -> Flux.error(failure)))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(Classified.class).hasCause(failure))
			.verify();
	}

	@Test
	void anAttemptThatThrowsWhileItIsMadeFailsClassified() {
		IllegalStateException thrown = new IllegalStateException("cannot make the request");
		StepVerifier.create(send((scope) -> {
			throw thrown;
		})).expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(Classified.class).hasCause(thrown)).verify();
	}

	@Test
	void aCountThatFailsCancelsTheRequestAndFailsClassified() {
		TestPublisher<String> request = TestPublisher.create();
		IllegalArgumentException thrown = new IllegalArgumentException("the text of the element cannot be read");
		StreamGate<String> unreadable = new StreamGate<>(this.scope, (element) -> {
			throw thrown;
		}, (failure, gate) -> new Classified(failure));
		Flux<String> send = new AttemptSend<>(this.admission, (scope) -> request.flux(), unreadable);
		StepVerifier.create(send)
			.then(() -> request.next("a"))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(Classified.class).hasCause(thrown))
			.verify();
		request.assertCancelled();
	}

	private Flux<String> send(Function<AttemptScope, ? extends Publisher<String>> attempt) {
		return new AttemptSend<>(this.admission, attempt, this.gate);
	}

	/**
	 * What the tests' classification makes of a failure.
	 */
	private static final class Classified extends RuntimeException {

		Classified(Throwable cause) {
			super(cause);
		}

	}

}
