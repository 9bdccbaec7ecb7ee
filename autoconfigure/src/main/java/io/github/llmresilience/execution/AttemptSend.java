package io.github.llmresilience.execution;

import java.util.Objects;
import java.util.function.Function;

import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * One attempt's request to its target, as the engine sends it: on each subscription the
 * admission notes the send and the attempt's publisher is subscribed to; each element it
 * delivers is counted, and a failure (the publisher's, or one thrown while it is made) is
 * classified for the layers around the attempt. One operator does what {@code defer},
 * {@code Flux.from}, {@code doOnNext} and {@code onErrorMap} did as four subscribers per
 * attempt (see the benchmarks' profile of the happy path).
 *
 * @param <T> the element type
 */
final class AttemptSend<T> extends Flux<T> {

	private final TargetAdmission admission;

	private final Function<AttemptScope, ? extends Publisher<T>> attempt;

	private final StreamGate<T> gate;

	/**
	 * Create an attempt's request.
	 * @param admission told that the request is sent
	 * @param attempt makes the request, given its scope
	 * @param gate counts what the request delivers, and classifies its failure
	 */
	AttemptSend(TargetAdmission admission, Function<AttemptScope, ? extends Publisher<T>> attempt, StreamGate<T> gate) {
		this.admission = admission;
		this.attempt = attempt;
		this.gate = gate;
	}

	@Override
	public void subscribe(CoreSubscriber<? super T> actual) {
		StreamGate<T> gate = this.gate;
		AttemptScope scope = gate.scope();
		Publisher<T> request;
		try {
			this.admission.sent(scope.call(), scope.target());
			request = Objects.requireNonNull(this.attempt.apply(scope), "The attempt returned no publisher");
		}
		catch (Throwable ex) {
			Operators.error(actual, gate.apply(Operators.onOperatorError(ex, actual.currentContext())));
			return;
		}
		request.subscribe(new FailureMap.Mapping<>(actual, gate, gate));
	}

}
