package io.github.llmresilience.execution;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.policy.Target;

/**
 * The logical calls in flight, so that the application's shutdown can end them: once
 * {@link #shutdown()} ran, every call still waiting (a backoff, a {@code Retry-After}, a
 * pacing wait, a queue) or in flight is cancelled, which cancels its exchange and its
 * timers, and ends with a {@link FailureKind#SHUTDOWN} failure; a call subscribed later
 * fails at once, without a request.
 */
final class CallsInFlight {

	private final Set<Guard> calls = ConcurrentHashMap.newKeySet();

	private volatile boolean shutDown;

	/**
	 * Return a call that ends with a {@link FailureKind#SHUTDOWN} failure as soon as the
	 * application shuts down, if it has not ended before.
	 * @param <T> the element type
	 * @param call the call
	 * @param state its state, which the failure describes
	 * @return the guarded call
	 */
	<T> Flux<T> guard(Flux<T> call, CallState state) {
		return Flux.defer(() -> {
			if (this.shutDown) {
				return Flux.error(failure(state));
			}
			Guard guard = new Guard();
			this.calls.add(guard);
			// A shutdown between the check above and add() would not see this call.
			if (this.shutDown) {
				guard.end();
			}
			return call.doOnComplete(guard::completed)
				.takeUntilOther(guard.signal.asMono())
				.concatWith(Flux.defer(() -> guard.ended() ? Flux.error(failure(state)) : Flux.empty()))
				.doFinally((signal) -> this.calls.remove(guard));
		});
	}

	/**
	 * End every call in flight, and refuse the calls to come.
	 */
	void shutdown() {
		this.shutDown = true;
		for (Guard guard : this.calls) {
			guard.end();
		}
	}

	/**
	 * Return how many calls are in flight.
	 * @return the number of calls
	 */
	int size() {
		return this.calls.size();
	}

	private static LlmException failure(CallState state) {
		Target target = state.currentTarget();
		return LlmException.builder(FailureKind.SHUTDOWN)
			.target((target != null) ? target.provider() : null, (target != null) ? target.model() : null)
			.description("the application is shutting down: the call was ended before it finished")
			.attempts(state.attempts())
			.build();
	}

	/**
	 * One call: in flight, completed on its own, or ended by the shutdown, whichever
	 * happened first.
	 */
	private static final class Guard {

		private static final int IN_FLIGHT = 0;

		private static final int COMPLETED = 1;

		private static final int ENDED = 2;

		private final AtomicInteger state = new AtomicInteger(IN_FLIGHT);

		private final Sinks.One<Boolean> signal = Sinks.one();

		void completed() {
			this.state.compareAndSet(IN_FLIGHT, COMPLETED);
		}

		void end() {
			if (this.state.compareAndSet(IN_FLIGHT, ENDED)) {
				this.signal.tryEmitValue(Boolean.TRUE);
			}
		}

		boolean ended() {
			return this.state.get() == ENDED;
		}

	}

}
