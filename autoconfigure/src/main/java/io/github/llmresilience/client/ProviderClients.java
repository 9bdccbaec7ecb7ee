package io.github.llmresilience.client;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;

import io.github.llmresilience.LlmProviderCustomizer;

/**
 * The {@link ProviderClient} of every provider under {@code llm.providers}, each with a
 * {@code WebClient} cloned from the application's builder and a connector of its own (its
 * connect timeout, its connection pool). Closing it releases the pools.
 */
public final class ProviderClients implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ProviderClients.class);

	// Idle pooled connections are dropped before typical load balancers drop them, so a
	// request is
	// not written into a connection the other side already closed.
	private static final Duration MAX_IDLE_TIME = Duration.ofSeconds(20);

	private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(10);

	private final Map<String, ProviderClient> clients;

	private final List<ConnectionProvider> pools;

	ProviderClients(Map<String, ProviderClient> clients, List<ConnectionProvider> pools) {
		this.clients = Collections.unmodifiableMap(clients);
		this.pools = pools;
	}

	/**
	 * Create clients.
	 * @param providers the providers' settings
	 * @param webClientBuilder the application's builder, cloned for each provider
	 * @param connectorBuilder the application's connector builder
	 * @param httpClientSettings the application's client settings (SSL bundle,
	 * redirects); the connect timeout comes from each provider and the read timeouts are
	 * the attempt's own
	 * @param clock the clock, for {@code Retry-After} dates
	 * @param customizers applied in order to each provider's builder before its client is
	 * built
	 * @param rateLimits told what the rate-limit headers of every answer say
	 * ({@link RateLimitObserver#NONE} for nobody)
	 * @return the clients
	 */
	public static ProviderClients create(Collection<ProviderSettings> providers, WebClient.Builder webClientBuilder,
			ClientHttpConnectorBuilder<?> connectorBuilder, HttpClientSettings httpClientSettings, Clock clock,
			List<LlmProviderCustomizer> customizers, RateLimitObserver rateLimits) {
		if (!providers.isEmpty()) {
			OpenAiWire.warmUp();
		}
		Map<String, ProviderClient> clients = new LinkedHashMap<>();
		List<ConnectionProvider> pools = new ArrayList<>();
		for (ProviderSettings settings : providers) {
			HttpClientSettings perProvider = httpClientSettings.withTimeouts(settings.connectTimeout(), null);
			ClientHttpConnector connector;
			boolean sentSignalled;
			if (connectorBuilder instanceof ReactorClientHttpConnectorBuilder reactor) {
				ConnectionProvider pool = ConnectionProvider.builder("llm-" + settings.name())
					.maxConnections(settings.maxConnections())
					.pendingAcquireMaxCount(-1)
					.pendingAcquireTimeout(settings.pendingAcquireTimeout())
					.maxIdleTime(MAX_IDLE_TIME)
					.build();
				pools.add(pool);
				connector = reactor.withHttpClientFactory(() -> HttpClient.create(pool))
					.withHttpClientCustomizer((client) -> warmedUp(
							client.doOnConnected(ExchangeState::connected).doAfterRequest(ExchangeState::afterRequest)))
					.build(perProvider);
				sentSignalled = true;
			}
			else {
				logger.warn("llm.providers." + settings.name() + ": the application's "
						+ connectorBuilder.getClass().getSimpleName()
						+ " is used; max-connections and pending-acquire-timeout apply to Reactor Netty only, and "
						+ "every failed request counts as sent (no retry of non-idempotent calls)");
				connector = connectorBuilder.build(perProvider);
				sentSignalled = false;
			}
			// The provider's own limit replaces spring.codec.max-in-memory-size, which is
			// far too small
			// for long answers that have already been paid for.
			int maxResponseSize = (int) settings.maxResponseSize().toBytes();
			WebClient.Builder builder = webClientBuilder.clone()
				.clientConnector(connector)
				.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(maxResponseSize))
				.defaultHeaders((headers) -> defaultHeaders(settings, headers));
			for (LlmProviderCustomizer customizer : customizers) {
				customizer.customize(settings.name(), builder);
			}
			WebClient webClient = builder.build();
			clients.put(settings.name(), new ProviderClient(settings, webClient, uri(settings, "/chat/completions"),
					uri(settings, "/embeddings"), sentSignalled, clock, rateLimits));
		}
		return new ProviderClients(clients, pools);
	}

	/**
	 * Start what Reactor Netty would otherwise start on the first request, without
	 * sending anything: its event loops, its native transport and its DNS resolver. The
	 * application's first call then pays only for its connection.
	 */
	private static HttpClient warmedUp(HttpClient client) {
		Mono<Void> warmUp = client.warmup();
		if (Schedulers.isInNonBlockingThread()) {
			warmUp.subscribe(null, (ex) -> logger.debug("Reactor Netty's warm-up failed", ex));
		}
		else {
			warmUp.block(WARM_UP_TIMEOUT);
		}
		return client;
	}

	private static void defaultHeaders(ProviderSettings settings, HttpHeaders headers) {
		headers.set(HttpHeaders.USER_AGENT, UserAgent.VALUE);
		// The provider's headers may set their own User-Agent, in any case: HttpHeaders
		// ignores case.
		settings.headers().forEach(headers::set);
		String apiKey = settings.apiKey();
		if (apiKey != null) {
			headers.set(settings.authHeader(), ProviderSettings.AUTHORIZATION.equalsIgnoreCase(settings.authHeader())
					? "Bearer " + apiKey : apiKey);
		}
	}

	static URI uri(ProviderSettings settings, String path) {
		String base = settings.baseUrl().toString();
		UriComponentsBuilder builder = UriComponentsBuilder
			.fromUriString(base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
			.path(path);
		settings.queryParams().forEach(builder::queryParam);
		return builder.encode().build().toUri();
	}

	/**
	 * Return the client of a provider.
	 * @param provider the provider's name
	 * @return the client
	 * @throws IllegalArgumentException if no provider has that name
	 */
	public ProviderClient get(String provider) {
		ProviderClient client = this.clients.get(provider);
		if (client == null) {
			throw new IllegalArgumentException(
					"No provider named '" + provider + "' under llm.providers (known: " + this.clients.keySet() + ")");
		}
		return client;
	}

	/**
	 * Return every client by provider name.
	 * @return the clients
	 */
	public Map<String, ProviderClient> all() {
		return this.clients;
	}

	/**
	 * Release the connection pools.
	 */
	@Override
	public void close() {
		this.pools.forEach(ConnectionProvider::dispose);
	}

}
