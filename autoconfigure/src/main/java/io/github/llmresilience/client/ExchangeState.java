package io.github.llmresilience.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.client.HttpClientRequest;

/**
 * The state of one HTTP exchange: whether its request has been written, which starts the
 * attempt's timeouts and decides whether a later failure may have reached the provider.
 * It travels in the Reactor context of the exchange, where the connection's
 * {@code doAfterRequest} hook finds it.
 */
final class ExchangeState {

	static final Class<ExchangeState> KEY = ExchangeState.class;

	private final String model;

	private final boolean sentSignalled;

	private final @Nullable Duration wholeTimeout;

	private final @Nullable String wholeTimeoutDescription;

	// Only a stream waits for its request to be written (its first-chunk timeout starts
	// then).
	private final Sinks.@Nullable Empty<Void> sent;

	private volatile boolean requestSent;

	private volatile @Nullable String timeout;

	// What the whole timeout ends, and its timer: on the connection's event loop once the
	// request is written, or a delay from subscription for a connector that does not say.
	private volatile @Nullable Runnable expiry;

	private volatile @Nullable ScheduledFuture<?> timer;

	private volatile @Nullable Disposable delay;

	// Set once the exchange has ended, before its timers are cancelled: a timer started
	// since (a request written after a cancellation, a synchronous answer) cancels
	// itself.
	private volatile boolean over;

	private volatile @Nullable SentRequest counted;

	// The exchange's operations on the connection lent to it, and whether it ended
	// without its whole answer: see connected and ended.
	private volatile @Nullable ChannelOperations<?, ?> operations;

	private volatile @Nullable EventLoop eventLoop;

	private volatile boolean abandoned;

	/**
	 * Create the state of an exchange.
	 * @param model the requested model
	 * @param sentSignalled whether the connector reports when the request was written;
	 * when it does not, timeouts start at subscription and every failure counts as sent
	 * @param wholeTimeout the longest the exchange may take once its request was written,
	 * or {@code null} (a stream times its chunks instead)
	 * @param wholeTimeoutDescription what that timeout means, for the exception message
	 */
	ExchangeState(String model, boolean sentSignalled, @Nullable Duration wholeTimeout,
			@Nullable String wholeTimeoutDescription) {
		this.model = model;
		this.sentSignalled = sentSignalled;
		this.wholeTimeout = wholeTimeout;
		this.wholeTimeoutDescription = wholeTimeoutDescription;
		this.sent = (wholeTimeout == null) ? Sinks.empty() : null;
	}

	/**
	 * Take note of how the request was counted against its target's rate-limit headers.
	 * @param counted the request as counted, or {@code null} if it was not
	 */
	void counted(@Nullable SentRequest counted) {
		this.counted = counted;
	}

	/**
	 * Return how the request was counted against its target's rate-limit headers.
	 * @return the request as counted, or {@code null} if it was not
	 */
	@Nullable SentRequest counted() {
		return this.counted;
	}

	/**
	 * The {@code doOnConnected} hook of a Reactor Netty client: a connection has been
	 * lent to an exchange (a new one, or one from the pool) and bound to its operations.
	 * @param connection the operations of the exchange on its connection
	 */
	static void connected(Connection connection) {
		ChannelOperations<?, ?> operations = connection.as(ChannelOperations.class);
		if (operations == null) {
			return;
		}
		ExchangeState exchange = operations.currentContext().getOrDefault(KEY, null);
		if (exchange != null) {
			exchange.eventLoop = operations.channel().eventLoop();
			exchange.operations = operations;
			if (exchange.abandoned) {
				exchange.closeIfStillHeld(operations);
			}
		}
	}

	/**
	 * The {@code doAfterRequest} hook of a Reactor Netty client.
	 * @param request the request that was written
	 * @param connection its connection
	 */
	static void afterRequest(HttpClientRequest request, Connection connection) {
		request.currentContextView()
			.getOrEmpty(KEY)
			.ifPresent((exchange) -> ((ExchangeState) exchange).markSent(connection));
	}

	private void markSent(Connection connection) {
		this.requestSent = true;
		Sinks.Empty<Void> sent = this.sent;
		if (sent != null) {
			sent.tryEmitEmpty();
		}
		Duration wholeTimeout = this.wholeTimeout;
		// A redirect writes the request again: the timeout still counts from the first
		// write.
		if (wholeTimeout != null && this.timer == null) {
			// A timer on the connection's own event loop: this hook runs there, so
			// scheduling it
			// and cancelling it when the answer is read take no lock and no other thread.
			ScheduledFuture<?> timer = connection.channel()
				.eventLoop()
				.schedule(this::expire, wholeTimeout.toNanos(), TimeUnit.NANOSECONDS);
			this.timer = timer;
			if (this.over) {
				timer.cancel(false);
			}
		}
	}

	/**
	 * The whole timeout has passed: take note of it, and end what it bounds.
	 */
	void expire() {
		this.timeout = this.wholeTimeoutDescription;
		Runnable expiry = this.expiry;
		if (expiry != null) {
			expiry.run();
		}
	}

	/**
	 * Say what the whole timeout ends, before the exchange is subscribed to.
	 * @param expiry what the timeout ends, run once it has passed
	 */
	void onExpiry(Runnable expiry) {
		this.expiry = expiry;
	}

	/**
	 * Start the whole timeout now, for a connector that does not say when the request was
	 * written; otherwise it starts when the request is written. Call it once the
	 * exchange's subscriber has its subscription.
	 */
	void startTimeout() {
		Duration wholeTimeout = this.wholeTimeout;
		if (!this.sentSignalled && wholeTimeout != null) {
			Disposable delay = Schedulers.parallel()
				.schedule(this::expire, wholeTimeout.toNanos(), TimeUnit.NANOSECONDS);
			this.delay = delay;
			if (this.over) {
				delay.dispose();
			}
		}
	}

	/**
	 * Cancel the whole timeout, once the exchange has ended.
	 */
	private void cancelTimer() {
		this.over = true;
		ScheduledFuture<?> timer = this.timer;
		if (timer != null) {
			timer.cancel(false);
		}
		Disposable delay = this.delay;
		if (delay != null) {
			delay.dispose();
		}
	}

	/**
	 * Make sure that an exchange that ended without its whole answer gives its connection
	 * back to its pool. Reactor Netty closes the connection of an exchange cancelled
	 * while it reads the answer, and Spring Framework drains the answer of one cancelled
	 * just before; but an exchange cancelled as its connection is lent to it (Reactor
	 * Netty then binds the connection to operations that nobody subscribes to, and never
	 * sends the request) or while Spring hands its response over (spring-framework
	 * gh-37204) is left holding its connection for good. Such a connection, if it still
	 * belongs to this exchange once the event loop is done with what it was doing, is
	 * closed, which gives it back to its pool.
	 * @param signal how the exchange ended
	 */
	void ended(SignalType signal) {
		cancelTimer();
		if (signal == SignalType.ON_COMPLETE) {
			return;
		}
		// Written before the operations are read, as connected writes them before it
		// reads this: one of the two sees the other's write.
		this.abandoned = true;
		ChannelOperations<?, ?> operations = this.operations;
		if (operations != null) {
			closeIfStillHeld(operations);
		}
	}

	private void closeIfStillHeld(ChannelOperations<?, ?> operations) {
		Channel channel = operations.channel();
		// The event loop noted when the connection was lent: a channel closed since has
		// none.
		EventLoop eventLoop = this.eventLoop;
		if (eventLoop == null) {
			return;
		}
		eventLoop.execute(() -> {
			if (ChannelOperations.get(channel) == operations && channel.isActive()) {
				channel.close();
			}
		});
	}

	String model() {
		return this.model;
	}

	boolean requestSent() {
		return this.requestSent || !this.sentSignalled;
	}

	/**
	 * Return a publisher that fires the given time after the request was written.
	 * @param duration the timeout
	 * @param description what the timeout means, for the exception message
	 * @return the timeout publisher
	 */
	Mono<Long> afterSent(Duration duration, String description) {
		Mono<Long> delay = Mono.delay(duration).doOnNext((tick) -> this.timeout = description);
		Sinks.Empty<Void> sent = this.sent;
		return (this.sentSignalled && sent != null) ? sent.asMono().then(delay) : delay;
	}

	/**
	 * Return a publisher that fires after the given time.
	 * @param duration the timeout
	 * @param description what the timeout means, for the exception message
	 * @return the timeout publisher
	 */
	Mono<Long> after(Duration duration, String description) {
		return Mono.delay(duration).doOnNext((tick) -> this.timeout = description);
	}

	@Nullable String timeoutDescription() {
		return this.timeout;
	}

}
