package io.github.llmresilience.client;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;

import io.github.llmresilience.LlmException;
import io.github.llmresilience.support.CallSubscriber;

/**
 * One exchange that gives one answer (a completion, embeddings), bounded by its read
 * timeout: each subscription creates the exchange's state, puts it in the context of the
 * request (where the connection's hooks find it), and sends the request. The first of the
 * answer, a failure or the timeout wins: a failure is classified, the timeout cancels the
 * request and fails with a {@code timeout}, and the exchange's end (its timers, a
 * connection it may still hold) is settled once the subscriber has its last signal or
 * cancels.
 *
 * <p>
 * One operator does what {@code defer}, {@code takeUntilOther} (on a {@code Sinks.One}),
 * {@code switchIfEmpty}, {@code doFinally}, {@code onErrorMap} and {@code contextWrite}
 * did as six operators and a sink per request (see the benchmarks' profile of the happy
 * path).
 *
 * @param <T> the answer's type
 */
final class OneAnswerExchange<T> extends Mono<T> {

	private final Settings settings;

	private final String model;

	private final @Nullable SentRequest counted;

	private final Function<ExchangeState, Mono<T>> request;

	/**
	 * Create an exchange.
	 * @param settings what every exchange of the provider shares
	 * @param model the requested model
	 * @param counted the request as counted against its target's rate-limit headers, or
	 * {@code null}
	 * @param request the request of one exchange, given its state
	 */
	OneAnswerExchange(Settings settings, String model, @Nullable SentRequest counted,
			Function<ExchangeState, Mono<T>> request) {
		this.settings = settings;
		this.model = model;
		this.counted = counted;
		this.request = request;
	}

	@Override
	public void subscribe(CoreSubscriber<? super T> actual) {
		Settings settings = this.settings;
		ExchangeState exchange = new ExchangeState(this.model, settings.sentSignalled(), settings.readTimeout(),
				settings.timeoutDescription());
		exchange.counted(this.counted);
		Mono<T> request;
		try {
			request = this.request.apply(exchange);
		}
		catch (Throwable ex) {
			Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
			return;
		}
		request.subscribe(new Answer<>(actual, exchange, settings));
	}

	/**
	 * What every one-answer exchange of a provider shares.
	 *
	 * @param sentSignalled whether the connector reports when the request was written
	 * @param readTimeout the longest an exchange may take once its request was written
	 * @param timeoutDescription what the read timeout means, for the exception message
	 * @param classifier what classifies a failure
	 */
	record Settings(boolean sentSignalled, Duration readTimeout, String timeoutDescription,
			FailureClassifier classifier) {

		LlmException timedOut(ExchangeState exchange) {
			return this.classifier.timedOut(exchange, this.timeoutDescription);
		}

	}

	/**
	 * The subscriber of one exchange. Its state goes from waiting to answered (the answer
	 * was passed on) or over (a last signal was passed on, or the subscriber cancelled);
	 * the answer and the timeout, which may come from different threads, race for the
	 * first step, so that only one of them reaches the subscriber.
	 */
	private static final class Answer<T> extends CallSubscriber<T> implements Runnable {

		private static final AtomicIntegerFieldUpdater<Answer> STATE = AtomicIntegerFieldUpdater
			.newUpdater(Answer.class, "state");

		private static final int WAITING = 0;

		private static final int ANSWERED = 1;

		private static final int OVER = 2;

		private final ExchangeState exchange;

		private final Settings settings;

		private volatile int state;

		Answer(CoreSubscriber<? super T> actual, ExchangeState exchange, Settings settings) {
			super(actual, ExchangeState.KEY, exchange);
			this.exchange = exchange;
			this.settings = settings;
			exchange.onExpiry(this);
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			if (setUpstream(subscription)) {
				this.actual.onSubscribe(this);
				try {
					this.exchange.startTimeout();
				}
				catch (RejectedExecutionException ex) {
					// Reactor's schedulers were disposed: the application is stopping.
					failWaiting(Operators.onRejectedExecution(ex, currentContext()));
				}
			}
		}

		@Override
		public void onNext(T answer) {
			if (STATE.compareAndSet(this, WAITING, ANSWERED)) {
				this.actual.onNext(answer);
			}
			else {
				Operators.onDiscard(answer, currentContext());
			}
		}

		@Override
		public void onError(Throwable failure) {
			int state = this.state;
			if (state != OVER && STATE.compareAndSet(this, state, OVER)) {
				this.actual.onError(this.settings.classifier().ofException(failure, this.exchange));
				this.exchange.ended(SignalType.ON_ERROR);
			}
			else {
				Operators.onErrorDropped(failure, currentContext());
			}
		}

		@Override
		public void onComplete() {
			if (STATE.compareAndSet(this, ANSWERED, OVER)) {
				this.actual.onComplete();
				this.exchange.ended(SignalType.ON_COMPLETE);
			}
			else {
				// No answer: as if the timeout had ended the request.
				failWaiting(this.settings.timedOut(this.exchange));
			}
		}

		/**
		 * The read timeout has passed: unless the answer came first, the request is
		 * cancelled and the exchange fails with a {@code timeout}.
		 */
		@Override
		public void run() {
			failWaiting(this.settings.timedOut(this.exchange));
		}

		/**
		 * Fail the exchange unless its answer or its end came first: the request is
		 * cancelled (a request that has completed ignores it).
		 */
		private void failWaiting(Throwable failure) {
			if (STATE.compareAndSet(this, WAITING, OVER)) {
				cancelUpstream();
				this.actual.onError(failure);
				this.exchange.ended(SignalType.ON_ERROR);
			}
		}

		@Override
		public void cancel() {
			if (STATE.getAndSet(this, OVER) != OVER) {
				cancelUpstream();
				this.exchange.ended(SignalType.CANCEL);
			}
		}

		@Override
		protected boolean ended() {
			return this.state == OVER;
		}

	}

}
