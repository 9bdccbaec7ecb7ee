package io.github.llmresilience.benchmarks.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The soak's calls through a bare {@link WebClient} instead of the starter
 * ({@code --soak-client=webclient}): the same server, faults, timeouts, retries, fallback
 * and hedge, written with Reactor's operators as a user of the {@code WebClient} would
 * write them, on the application's {@code WebClient.Builder} and a Reactor Netty
 * connector of Spring Boot's, with a pool of its own. What the soak finds with it, and
 * also with the starter, is not the starter's.
 */
final class SoakBareClient implements AutoCloseable {

	private static final Duration TIMEOUT = Duration.ofSeconds(1);

	private final ConnectionProvider pool = ConnectionProvider.builder("soak-bare")
		.maxConnections(500)
		.pendingAcquireMaxCount(-1)
		.maxIdleTime(Duration.ofSeconds(20))
		.build();

	private final WebClient client;

	private final String uri;

	SoakBareClient(WebClient.Builder builder, String rootUrl) {
		this.uri = rootUrl + "/soak/v1/chat/completions";
		this.client = builder.clone()
			.clientConnector(ClientHttpConnectorBuilder.reactor()
				.withHttpClientFactory(() -> HttpClient.create(this.pool))
				.build())
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024))
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer sk-soak")
			.build();
	}

	/**
	 * The pools whose connections the soak's checkpoints count.
	 * @return the pool
	 */
	List<ConnectionProvider> pools() {
		return List.of(this.pool);
	}

	/**
	 * A call of one of the soak's policies: up to three attempts on the primary model;
	 * then the fallback model ({@code soak-fallback}), or the fallback model asked too
	 * after 200 ms, the first answer winning and the other cancelled
	 * ({@code soak-hedge}); all within the deadline.
	 * @param policy the soak's policy
	 * @param id the call's id
	 * @param streamed whether to ask for a stream
	 * @return the call
	 */
	Mono<?> call(String policy, String id, boolean streamed) {
		Mono<String> primary = attempts(Soak.PRIMARY, id, streamed);
		Mono<String> call = switch (policy) {
			case "soak-fallback" -> primary.onErrorResume((ex) -> attempts(Soak.FALLBACK, id, streamed));
			case "soak-hedge" -> Mono.firstWithValue(primary,
					Mono.delay(Duration.ofMillis(200)).then(attempts(Soak.FALLBACK, id, streamed)));
			default -> primary;
		};
		return call.timeout(Soak.DEADLINE, Mono.error(DeadlineReached::new));
	}

	private Mono<String> attempts(String model, String id, boolean streamed) {
		return Mono.defer(() -> attempt(model, id, streamed))
			.retryWhen(Retry.backoff(2, Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(500)).jitter(0.5));
	}

	private Mono<String> attempt(String model, String id, boolean streamed) {
		WebClient.RequestHeadersSpec<?> request = this.client.post()
			.uri(this.uri)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("model", model, "stream", streamed, "messages",
					List.of(Map.of("role", "user", "content", Wire.content(id)))));
		if (!streamed) {
			return request.accept(MediaType.APPLICATION_JSON)
				.retrieve()
				.bodyToMono(byte[].class)
				.timeout(TIMEOUT)
				.map((body) -> "answered");
		}
		// A timeout for the first chunk and between chunks; each chunk read and released.
		return request.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(DataBuffer.class)
			.timeout(TIMEOUT)
			.map((buffer) -> {
				int bytes = buffer.readableByteCount();
				DataBufferUtils.release(buffer);
				return bytes;
			})
			.then(Mono.just("streamed"));
	}

	@Override
	public void close() {
		this.pool.dispose();
	}

	/**
	 * A call that reached the soak's deadline: not Reactor's {@code TimeoutException},
	 * which the soak counts as a call that never ended.
	 */
	static final class DeadlineReached extends RuntimeException {

		DeadlineReached() {
			super("deadline of " + Soak.DEADLINE.toSeconds() + "s reached", null, false, false);
		}

	}

}
