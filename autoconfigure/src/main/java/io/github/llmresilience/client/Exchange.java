package io.github.llmresilience.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientRequest;

/**
 * The state of one HTTP exchange: whether its request has been written, which starts the
 * attempt's timeouts and decides whether a later failure may have reached the provider. It travels
 * in the Reactor context of the exchange, where the connection's {@code doAfterRequest} hook finds
 * it.
 */
final class Exchange {

	static final Class<Exchange> KEY = Exchange.class;

	private final String model;

	private final boolean sentSignalled;

	private final Sinks.Empty<Void> sent = Sinks.empty();

	private volatile boolean requestSent;

	private volatile @Nullable String timeout;

	/**
	 * Create the state of an exchange.
	 * @param model the requested model
	 * @param sentSignalled whether the connector reports when the request was written; when it
	 * does not, timeouts start at subscription and every failure counts as sent
	 */
	Exchange(String model, boolean sentSignalled) {
		this.model = model;
		this.sentSignalled = sentSignalled;
	}

	/**
	 * The {@code doAfterRequest} hook of a Reactor Netty client.
	 * @param request the request that was written
	 * @param connection its connection
	 */
	static void afterRequest(HttpClientRequest request, Connection connection) {
		request.currentContextView().getOrEmpty(KEY).ifPresent((exchange) -> ((Exchange) exchange).markSent());
	}

	void markSent() {
		this.requestSent = true;
		this.sent.tryEmitEmpty();
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
		return (this.sentSignalled) ? this.sent.asMono().then(delay) : delay;
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
