package io.github.llmresilience.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
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

	private final Sinks.One<Boolean> expired = Sinks.one();

	private volatile boolean requestSent;

	private volatile @Nullable String timeout;

	private volatile @Nullable ScheduledFuture<?> timer;

	private volatile @Nullable SentRequest counted;

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
			this.timer = connection.channel()
				.eventLoop()
				.schedule(this::expire, wholeTimeout.toNanos(), TimeUnit.NANOSECONDS);
		}
	}

	private void expire() {
		this.timeout = this.wholeTimeoutDescription;
		this.expired.tryEmitValue(Boolean.TRUE);
	}

	/**
	 * Return a publisher that emits once the exchange's whole timeout has passed since
	 * its request was written (or since subscription, for a connector that does not say
	 * when).
	 * @return the publisher
	 */
	Mono<Boolean> expired() {
		if (this.sentSignalled || this.wholeTimeout == null) {
			return this.expired.asMono();
		}
		return Mono.delay(this.wholeTimeout).map((tick) -> {
			this.timeout = this.wholeTimeoutDescription;
			return Boolean.TRUE;
		});
	}

	/**
	 * Cancel the whole timeout, once the exchange has ended.
	 */
	void cancelTimer() {
		ScheduledFuture<?> timer = this.timer;
		if (timer != null) {
			timer.cancel(false);
		}
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
