package io.github.llmresilience.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.reactivestreams.Publisher;
import reactor.test.StepVerifier;

import io.github.llmresilience.LlmException;
import io.github.llmresilience.testkit.FakeLlmServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the tests of one provider client against a real server share: a
 * {@link FakeLlmServer} on a loopback socket for each test, the clients a test builds
 * from its settings, both closed after it, and the failure a call ends with.
 */
abstract class ProviderClientTestSupport {

	final FakeLlmServer server = FakeLlmServer.start();

	private @Nullable ProviderClients clients;

	@AfterEach
	void closeClientsAndServer() {
		if (this.clients != null) {
			this.clients.close();
		}
		this.server.close();
	}

	/**
	 * Build the clients of one provider, closed after the test.
	 * @param settings the provider's settings
	 * @return its client
	 */
	ProviderClient client(ProviderSettings settings) {
		return client(ProviderClientsFixture.clients(settings), settings.name());
	}

	/**
	 * Keep clients built otherwise, to close them after the test.
	 * @param clients the clients
	 * @param provider the provider whose client the test uses
	 * @return its client
	 */
	ProviderClient client(ProviderClients clients, String provider) {
		this.clients = clients;
		return clients.get(provider);
	}

	/**
	 * The failure a call ends with; the test fails if it ends otherwise, or with
	 * something else than an {@link LlmException}, within 10 seconds.
	 * @param call the call
	 * @return its failure
	 */
	static LlmException failureOf(Publisher<?> call) {
		Throwable[] failure = new Throwable[1];
		StepVerifier.create(call)
			.thenConsumeWhile((element) -> true)
			.expectErrorSatisfies((error) -> failure[0] = error)
			.verify(Duration.ofSeconds(10));
		assertThat(failure[0]).isInstanceOf(LlmException.class);
		return (LlmException) failure[0];
	}

}
