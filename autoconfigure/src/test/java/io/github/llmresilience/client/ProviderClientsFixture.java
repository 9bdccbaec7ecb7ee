package io.github.llmresilience.client;

import java.time.Clock;
import java.util.List;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds the provider clients of tests with Spring's defaults: a plain
 * {@code WebClient.Builder}, Reactor Netty, no customizer, no rate-limit observer.
 */
final class ProviderClientsFixture {

	private ProviderClientsFixture() {
	}

	static ProviderClients clients(ProviderSettings settings) {
		return clients(settings, Clock.systemUTC());
	}

	static ProviderClients clients(ProviderSettings settings, Clock clock) {
		return ProviderClients.create(List.of(settings), WebClient.builder(), ClientHttpConnectorBuilder.reactor(),
				HttpClientSettings.defaults(), clock, List.of(), RateLimitObserver.NONE);
	}

}
