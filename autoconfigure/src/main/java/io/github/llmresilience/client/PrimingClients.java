package io.github.llmresilience.client;

import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Clients for priming the call path at start-up: one per provider, with the provider's
 * settings, whose requests are written into memory and answered at once with a synthetic
 * answer. They send nothing and carry no API key; the rate-limit headers of their answers
 * are read and forgotten.
 */
public final class PrimingClients {

	/**
	 * Reads every answer's rate-limit headers, as the application's pacing does, and
	 * keeps nothing of them.
	 */
	private static final RateLimitObserver READ_AND_FORGET = new NoOpRateLimitObserver(true);

	private PrimingClients() {
	}

	/**
	 * Create clients that send nothing.
	 * @param providers the providers' settings
	 * @param clock the clock
	 * @return the clients, closed with nothing to release
	 */
	public static ProviderClients create(Collection<ProviderSettings> providers, Clock clock) {
		InMemoryConnector connector = new InMemoryConnector();
		Map<String, ProviderClient> clients = new LinkedHashMap<>();
		for (ProviderSettings settings : providers) {
			WebClient webClient = WebClient.builder()
				.clientConnector(connector)
				.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize((int) settings.maxResponseSize().toBytes()))
				.build();
			clients.put(settings.name(),
					new ProviderClient(settings, webClient, ProviderClients.uri(settings, "/chat/completions"),
							ProviderClients.uri(settings, "/embeddings"), false, clock, READ_AND_FORGET));
		}
		return new ProviderClients(clients, List.of());
	}

}
