package io.github.llmresilience.execution;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import io.github.llmresilience.observation.LlmObservability;

/**
 * The plumbing of the starter's own operators ({@link CallsInFlight}'s guard, an
 * {@link AttemptEnd}): a subscriber that passes a publisher's signals on to its own
 * subscriber, and lets the subclass act on them, with an observation (the call's, the
 * attempt's) in the context of everything it subscribes to.
 *
 * @param <T> the element type
 */
abstract class CallSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {

	final CoreSubscriber<? super T> actual;

	private final Context context;

	@Nullable Subscription upstream;

	CallSubscriber(CoreSubscriber<? super T> actual, Observation observation) {
		this.actual = actual;
		this.context = actual.currentContext().put(LlmObservability.OBSERVATION_KEY, observation);
	}

	@Override
	public Context currentContext() {
		return this.context;
	}

	@Override
	public void onSubscribe(Subscription subscription) {
		if (Operators.validate(this.upstream, subscription)) {
			this.upstream = subscription;
			this.actual.onSubscribe(this);
		}
	}

	@Override
	public void request(long n) {
		Subscription upstream = this.upstream;
		if (upstream != null) {
			upstream.request(n);
		}
	}

	/**
	 * Cancel the publisher, if it was subscribed to.
	 */
	final void cancelUpstream() {
		Subscription upstream = this.upstream;
		if (upstream != null) {
			upstream.cancel();
		}
	}

	/**
	 * Return whether the subscriber has had its last signal, or was cancelled.
	 * @return whether it ended
	 */
	abstract boolean ended();

	@Override
	public @Nullable Object scanUnsafe(Attr key) {
		if (key == Attr.PARENT) {
			return this.upstream;
		}
		if (key == Attr.ACTUAL) {
			return this.actual;
		}
		if (key == Attr.TERMINATED) {
			return ended();
		}
		if (key == Attr.RUN_STYLE) {
			return Attr.RunStyle.SYNC;
		}
		return null;
	}

}
