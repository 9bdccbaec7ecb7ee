package io.github.llmresilience.execution;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

import io.github.llmresilience.execution.TargetAdmission.Reservation;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedAttempt;
import io.github.llmresilience.support.CallSubscriber;

/**
 * One request of an attempt that gives one answer, with its end reported: its answer (or
 * none) ends the attempt's observation as a success, a failure ends it as failed and
 * settles the reservation as the failure says, a cancellation ends both; the attempt's
 * observation is in the context of the request, so that the HTTP client's observation is
 * its child. One operator does what {@code doOnSuccess}, {@code doOnError},
 * {@code doOnCancel} and {@code contextWrite} did as four subscribers per request (see
 * the benchmarks' profile of the happy path).
 *
 * @param <T> the answer's type
 */
final class AttemptEnd<T> extends MonoOperator<T, T> {

	private final ObservedAttempt observed;

	private final Reservation reservation;

	private AttemptEnd(Mono<? extends T> request, ObservedAttempt observed, Reservation reservation) {
		super(request);
		this.observed = observed;
		this.reservation = reservation;
	}

	/**
	 * Return the request with its end reported.
	 * @param <T> the answer's type
	 * @param request the request
	 * @param observed the attempt's observation
	 * @param reservation the request's reservation (an answer settles it with its usage
	 * before it gets here)
	 * @return the request
	 */
	static <T> Mono<T> of(Mono<T> request, ObservedAttempt observed, Reservation reservation) {
		return new AttemptEnd<>(request, observed, reservation);
	}

	@Override
	public void subscribe(CoreSubscriber<? super T> actual) {
		this.source.subscribe(new Reporter<>(actual, this.observed, this.reservation));
	}

	private static final class Reporter<T> extends CallSubscriber<T> {

		private final ObservedAttempt observed;

		private final Reservation reservation;

		private boolean answered;

		private boolean done;

		Reporter(CoreSubscriber<? super T> actual, ObservedAttempt observed, Reservation reservation) {
			super(actual, LlmObservability.OBSERVATION_KEY, observed.observation());
			this.observed = observed;
			this.reservation = reservation;
		}

		@Override
		public void onNext(T answer) {
			if (lateNext(answer)) {
				return;
			}
			this.answered = true;
			if (succeeded(answer)) {
				this.actual.onNext(answer);
			}
		}

		@Override
		public void onError(Throwable failure) {
			if (lateError(failure)) {
				return;
			}
			this.done = true;
			this.reservation.failed(failure);
			this.observed.failed(failure);
			this.actual.onError(failure);
		}

		@Override
		public void onComplete() {
			if (this.done) {
				return;
			}
			if (!this.answered && !succeeded(null)) {
				return;
			}
			this.done = true;
			this.actual.onComplete();
		}

		/**
		 * End the observation as a success; if that throws (an application's handler),
		 * the request fails with it, as {@code doOnSuccess} would fail it.
		 */
		private boolean succeeded(@Nullable T answer) {
			try {
				this.observed.succeeded();
				return true;
			}
			catch (Throwable failure) {
				// onOperatorError cancels the request.
				onError(operatorError(failure, answer));
				return false;
			}
		}

		@Override
		public void cancel() {
			// Both ignore it once the request has ended.
			this.reservation.settle(null);
			this.observed.cancelled();
			cancelUpstream();
		}

		@Override
		protected boolean ended() {
			return this.done;
		}

	}

}
