package io.github.llmresilience.execution;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedCall;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.support.CallSubscriber;

/**
 * The logical calls in flight, so that the application's shutdown can end them: once
 * {@link #shutdown()} ran, every call still waiting (a backoff, a {@code Retry-After}, a
 * pacing wait, a queue) or in flight is cancelled, which cancels its exchange and its
 * timers, and ends with a {@link FailureKind#SHUTDOWN} failure; a call subscribed later
 * fails at once, without a request.
 *
 * <p>
 * The guard is the call's outermost operator, and it also ends the call's observation
 * (finished, failed or cancelled) and puts the observation in the context of everything
 * inside. One operator does what {@code takeUntilOther}, {@code concatWith},
 * {@code doOnComplete}, {@code doOnError}, {@code doOnCancel} and {@code contextWrite}
 * did as eight subscribers per call (see the benchmarks' profile of the happy path).
 */
final class CallsInFlight {

	private final Set<Guard<?>> calls = ConcurrentHashMap.newKeySet();

	private volatile boolean shutDown;

	/**
	 * Return a call that ends with a {@link FailureKind#SHUTDOWN} failure as soon as the
	 * application shuts down, if it has not ended before, and whose end (success,
	 * failure, shutdown or cancellation) ends its observation.
	 * @param <T> the element type
	 * @param call the call
	 * @param state its state, which the failure and the observation describe
	 * @param observed the call's observation, in the context of the call
	 * @return the guarded call
	 */
	<T> Flux<T> guard(Flux<T> call, CallState state, ObservedCall observed) {
		return new GuardedCall<>(call, this, state, observed);
	}

	/**
	 * End every call in flight, and refuse the calls to come.
	 */
	void shutdown() {
		this.shutDown = true;
		for (Guard<?> guard : this.calls) {
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

	private static void finished(ObservedCall observed, CallState call, @Nullable Throwable failure) {
		observed.finished(failure, call.currentTarget(), call.currentTargetIndex() > 0, call.hedge(), call.attempts(),
				call.failures());
	}

	private static final class GuardedCall<T> extends FluxOperator<T, T> {

		private final CallsInFlight inFlight;

		private final CallState state;

		private final ObservedCall observed;

		GuardedCall(Flux<? extends T> source, CallsInFlight inFlight, CallState state, ObservedCall observed) {
			super(source);
			this.inFlight = inFlight;
			this.state = state;
			this.observed = observed;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			if (this.inFlight.shutDown) {
				LlmException failure = failure(this.state);
				finished(this.observed, this.state, failure);
				Operators.error(actual, failure);
				return;
			}
			this.source.subscribe(new Guard<>(actual, this.inFlight, this.state, this.observed));
		}

	}

	/**
	 * One call's subscriber. The call ends once, by whichever comes first: its own end,
	 * its subscriber's cancellation, or the shutdown ({@link #end()}, from the thread
	 * that shuts the application down). The shutdown's failure may race an element in
	 * flight: a half-serializer ({@code wip}) lets only one of them reach the subscriber
	 * at a time, and no element follows the failure.
	 */
	private static final class Guard<T> extends CallSubscriber<T> {

		private static final AtomicIntegerFieldUpdater<Guard> ENDED = AtomicIntegerFieldUpdater.newUpdater(Guard.class,
				"ended");

		private static final AtomicIntegerFieldUpdater<Guard> WIP = AtomicIntegerFieldUpdater.newUpdater(Guard.class,
				"wip");

		private final CallsInFlight inFlight;

		private final CallState state;

		private final ObservedCall observed;

		private volatile int ended;

		private volatile int wip;

		Guard(CoreSubscriber<? super T> actual, CallsInFlight inFlight, CallState state, ObservedCall observed) {
			super(actual, LlmObservability.OBSERVATION_KEY, observed.observation());
			this.inFlight = inFlight;
			this.state = state;
			this.observed = observed;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			if (setUpstream(subscription)) {
				if (this.inFlight.shutDown) {
					// The shutdown began since subscribe(): nothing is sent.
					this.ended = 1;
					subscription.cancel();
					LlmException failure = failure(this.state);
					finished(this.observed, this.state, failure);
					Operators.error(this.actual, failure);
					return;
				}
				this.actual.onSubscribe(this);
				// Registered once the subscriber has its subscription, so that end()
				// always finds one to cancel and a subscriber to tell.
				this.inFlight.calls.add(this);
				if (this.ended != 0) {
					// It ended while subscribing (an answer at once, a cancellation).
					this.inFlight.calls.remove(this);
				}
				else if (this.inFlight.shutDown) {
					// A shutdown that began before add() did not see this call.
					end();
				}
			}
		}

		@Override
		public void onNext(T element) {
			if (this.wip == 0 && WIP.compareAndSet(this, 0, 1)) {
				this.actual.onNext(element);
				if (WIP.decrementAndGet(this) != 0) {
					// The shutdown ended the call during onNext: its failure is ours to
					// send.
					shutDown();
				}
			}
			else {
				Operators.onDiscard(element, currentContext());
			}
		}

		@Override
		public void onError(Throwable failure) {
			if (ENDED.compareAndSet(this, 0, 1)) {
				this.inFlight.calls.remove(this);
				finished(this.observed, this.state, failure);
				this.actual.onError(failure);
			}
			else {
				Operators.onErrorDropped(failure, currentContext());
			}
		}

		@Override
		public void onComplete() {
			if (ENDED.compareAndSet(this, 0, 1)) {
				this.inFlight.calls.remove(this);
				finished(this.observed, this.state, null);
				this.actual.onComplete();
			}
		}

		@Override
		public void cancel() {
			if (ENDED.compareAndSet(this, 0, 1)) {
				this.inFlight.calls.remove(this);
			}
			// Once finished, the observation ignores it.
			this.observed.cancelled(this.state.attempts(), this.state.failures());
			cancelUpstream();
		}

		/**
		 * End the call on shutdown, unless it ended before: cancel what it waits for,
		 * then fail it.
		 */
		void end() {
			if (ENDED.compareAndSet(this, 0, 1)) {
				this.inFlight.calls.remove(this);
				cancelUpstream();
				if (WIP.getAndIncrement(this) == 0) {
					shutDown();
				}
			}
		}

		private void shutDown() {
			LlmException failure = failure(this.state);
			finished(this.observed, this.state, failure);
			this.actual.onError(failure);
		}

		@Override
		protected boolean ended() {
			return this.ended != 0;
		}

	}

}
