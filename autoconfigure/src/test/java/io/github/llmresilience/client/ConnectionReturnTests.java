package io.github.llmresilience.client;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A call or stream cancelled as a connection is lent to it (a new one, or one from the
 * pool) gives the connection back: the pool lends none once the call ended, and the next
 * call is answered. The cancellations here are made on the event loop, which Reactor
 * Netty handles itself; the race that left connections acquired in the soak (a cancel
 * from another thread between the pool's grant and the event loop binding the connection,
 * which {@code ExchangeState.ended} now closes) could not be made deterministic, and the
 * soak ({@code load --scenarios=soak}) is its reproduction.
 */
class ConnectionReturnTests extends ProviderClientTestSupport {

	private static final String MODEL = "gpt-4o";

	private static final ChatRequest REQUEST = ChatRequest.builder().user("Hello there").build();

	/**
	 * Cancels the exchange in flight when its signal is emitted.
	 */
	private final Sinks.One<Boolean> cancel = Sinks.one();

	@Test
	void aCallCancelledAsANewConnectionIsLentGivesItBack() {
		ProviderClients clients = clientsCancellingOn(ConnectionObserver.State.CONNECTED);
		ProviderClient client = client(clients, "openai");
		cancelledThenAnswered(() -> client.chat(MODEL, REQUEST).map(ChatResponse::content));
		await().untilAsserted(() -> assertThat(lent(clients)).isZero());
	}

	@Test
	void aStreamCancelledAsANewConnectionIsLentGivesItBack() {
		ProviderClients clients = clientsCancellingOn(ConnectionObserver.State.CONNECTED);
		ProviderClient client = client(clients, "openai");
		cancelledThenAnswered(() -> client.stream(MODEL, REQUEST).map(ChatChunk::text).reduce(String::concat));
		await().untilAsserted(() -> assertThat(lent(clients)).isZero());
	}

	@Test
	void aCallCancelledAsAPooledConnectionIsLentGivesItBack() {
		ProviderClients clients = clientsCancellingOn(ConnectionObserver.State.ACQUIRED);
		ProviderClient client = client(clients, "openai");
		Supplier<Mono<String>> call = () -> client.chat(MODEL, REQUEST).map(ChatResponse::content);
		this.server.defaultResponder((request) -> FakeResponse.ok("Hi!"));
		// An answer read whole leaves its connection in the pool.
		StepVerifier.create(call.get()).expectNext("Hi!").verifyComplete();
		await().untilAsserted(() -> assertThat(metric(clients, "idleSize")).isOne());
		cancelledThenAnswered(call);
		await().untilAsserted(() -> assertThat(lent(clients)).isZero());
	}

	/**
	 * A call cancelled by the hook, then one answered.
	 */
	private void cancelledThenAnswered(Supplier<Mono<String>> call) {
		this.server.defaultResponder((request) -> FakeResponse.ok("Hi!"));
		this.armed = true;
		StepVerifier.create(call.get().takeUntilOther(this.cancel.asMono()))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		this.armed = false;
		StepVerifier.create(call.get()).expectNext("Hi!").verifyComplete();
	}

	private volatile boolean armed;

	/**
	 * Clients whose Reactor Netty client cancels the exchange in flight, once armed, when
	 * its connection reaches a state.
	 */
	private ProviderClients clientsCancellingOn(ConnectionObserver.State state) {
		Function<HttpClient, HttpClient> hook = (client) -> client.observe((connection, newState) -> {
			if (this.armed && newState == state) {
				this.cancel.tryEmitValue(true);
			}
		});
		ProviderSettings settings = ProviderSettings.of("openai", this.server.baseUrl(), "sk-test")
			.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(10),
					Duration.ofSeconds(10));
		return ProviderClients.create(List.of(settings), WebClient.builder(),
				ClientHttpConnectorBuilder.reactor().withHttpClientCustomizer(hook::apply),
				HttpClientSettings.defaults(), Clock.systemUTC(), List.of(), RateLimitObserver.NONE);
	}

	/**
	 * The connections the clients' pools have lent and not got back (Reactor Netty's
	 * pools say so in their metrics, which no public method of a
	 * {@code ConnectionProvider} returns).
	 */
	static long lent(ProviderClients clients) {
		return metric(clients, "acquiredSize") + metric(clients, "pendingAcquireSize");
	}

	private static long metric(ProviderClients clients, String name) {
		long sum = 0;
		for (Object provider : (List<?>) ReflectionTestUtils.getField(clients, "pools")) {
			for (Object pool : ((Map<?, ?>) ReflectionTestUtils.getField(provider, "channelPools")).values()) {
				Object metrics = ReflectionTestUtils.invokeMethod(pool, "metrics");
				sum += ReflectionTestUtils.<Integer>invokeMethod(metrics, name);
			}
		}
		return sum;
	}

}
