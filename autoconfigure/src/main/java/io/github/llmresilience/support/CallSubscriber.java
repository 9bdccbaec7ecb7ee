package io.github.llmresilience.support;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The plumbing of the starter's own operators (the call's guard, an attempt's end, an
 * exchange with its read timeout, an attempt's request): a subscriber that passes a
 * publisher's signals on to its own subscriber, and lets the subclass act on them,
 * possibly with one entry added to the context of everything it subscribes to (the call's
 * or the attempt's observation, the exchange's state). Internal.
 *
 * @param <T> the element type
 */
public abstract class CallSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {

	/**
	 * The subscriber that the signals are passed on to.
	 */
	protected final CoreSubscriber<? super T> actual;

	private final Context context;

	private @Nullable Subscription upstream;

	/**
	 * Create a subscriber that keeps its subscriber's context.
	 * @param actual the subscriber that the signals are passed on to
	 */
	protected CallSubscriber(CoreSubscriber<? super T> actual) {
		this.actual = actual;
		this.context = actual.currentContext();
	}

	/**
	 * Create a subscriber.
	 * @param actual the subscriber that the signals are passed on to
	 * @param key the key of the entry to add to the context
	 * @param value its value
	 */
	protected CallSubscriber(CoreSubscriber<? super T> actual, Object key, Object value) {
		this.actual = actual;
		this.context = actual.currentContext().put(key, value);
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

	/**
	 * Take the publisher's subscription without passing this subscriber on yet, for a
	 * subclass whose {@link #onSubscribe(Subscription)} decides what to do first.
	 * @param subscription the subscription
	 * @return whether it is the first (a second one is cancelled)
	 */
	protected final boolean setUpstream(Subscription subscription) {
		if (Operators.validate(this.upstream, subscription)) {
			this.upstream = subscription;
			return true;
		}
		return false;
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
	protected final void cancelUpstream() {
		Subscription upstream = this.upstream;
		if (upstream != null) {
			upstream.cancel();
		}
	}

	/**
	 * Fail the publisher with an exception its subscriber's handler threw, as Reactor's
	 * operators do: the publisher is cancelled and the exception goes through Reactor's
	 * hooks.
	 * @param failure what the handler threw
	 * @param element the element it was handling, or {@code null}
	 * @return the exception to pass on
	 */
	protected final Throwable operatorError(Throwable failure, @Nullable Object element) {
		return Operators.onOperatorError(this.upstream, failure, element, this.context);
	}

	/**
	 * Return whether an element came after the subscriber's last signal; if so, drop it
	 * as Reactor's operators do.
	 * @param element the element
	 * @return whether it came too late (and was dropped)
	 */
	protected final boolean lateNext(T element) {
		if (ended()) {
			Operators.onNextDropped(element, this.context);
			return true;
		}
		return false;
	}

	/**
	 * Return whether a failure came after the subscriber's last signal; if so, drop it as
	 * Reactor's operators do.
	 * @param failure the failure
	 * @return whether it came too late (and was dropped)
	 */
	protected final boolean lateError(Throwable failure) {
		if (ended()) {
			Operators.onErrorDropped(failure, this.context);
			return true;
		}
		return false;
	}

	/**
	 * Return whether the subscriber has had its last signal, or was cancelled.
	 * @return whether it ended
	 */
	protected abstract boolean ended();

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
