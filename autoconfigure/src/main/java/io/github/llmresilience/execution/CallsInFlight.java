package io.github.llmresilience.execution;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;

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
	 * application shuts down, if it has not ended before. Called once per subscription of
	 * the call (inside the executor's {@code deferContextual}).
	 * @param <T> the element type
	 * @param call the call
	 * @param state its state, which the failure describes
	 * @return the guarded call
	 */
	<T> Flux<T> guard(Flux<T> call, CallState state) {
		if (this.shutDown) {
			return Flux.error(failure(state));
		}
		Guard guard = new Guard(this.calls);
		this.calls.add(guard);
		// A shutdown between the check above and add() would not see this call.
		if (this.shutDown) {
			guard.end();
		}
		// The guard is takeUntilOther's other publisher: on shutdown it emits, which
		// cancels the call, and the failure follows; it is cancelled, and forgotten, as
		// soon as the call ends on its own.
		return call.takeUntilOther(guard)
			.concatWith(Flux.defer(() -> guard.ended() ? Flux.error(failure(state)) : Flux.empty()));
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
	 * One call: in flight, ended on its own (its end cancels the guard) or ended by the
	 * shutdown, whichever happened first. It is the other publisher of the call's
	 * {@code takeUntilOther}, and emits once on shutdown, which cancels the call; a
	 * {@code Sinks.One}, with an operator to see the call complete and one to forget it,
	 * did the same at more cost per call.
	 */
	private static final class Guard implements Publisher<Object>, Subscription {

		private static final int IN_FLIGHT = 0;

		private static final int DONE = 1;

		private static final int ENDED = 2;

		private final Set<Guard> calls;

		private final AtomicInteger phase = new AtomicInteger(IN_FLIGHT);

		private final AtomicBoolean signalled = new AtomicBoolean();

		private volatile @Nullable Subscriber<? super Object> subscriber;

		Guard(Set<Guard> calls) {
			this.calls = calls;
		}

		@Override
		public void subscribe(Subscriber<? super Object> subscriber) {
			this.subscriber = subscriber;
			subscriber.onSubscribe(this);
			if (this.phase.get() == ENDED) {
				signal(subscriber);
			}
		}

		@Override
		public void request(long n) {
			// It emits once, on shutdown, whatever the demand: takeUntilOther asks for
			// everything.
		}

		@Override
		public void cancel() {
			// The call ended (or its subscriber left): a later shutdown leaves it alone.
			this.phase.compareAndSet(IN_FLIGHT, DONE);
			this.calls.remove(this);
		}

		void end() {
			if (this.phase.compareAndSet(IN_FLIGHT, ENDED)) {
				this.calls.remove(this);
				Subscriber<? super Object> subscriber = this.subscriber;
				if (subscriber != null) {
					signal(subscriber);
				}
			}
		}

		boolean ended() {
			return this.phase.get() == ENDED;
		}

		private void signal(Subscriber<? super Object> subscriber) {
			if (this.signalled.compareAndSet(false, true)) {
				subscriber.onNext(Boolean.TRUE);
			}
		}

	}

}
