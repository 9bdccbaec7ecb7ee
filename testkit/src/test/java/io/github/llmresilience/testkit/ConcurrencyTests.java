package io.github.llmresilience.testkit;

import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that delayed exchanges overlap instead of occupying threads.
 */
@ExtendWith(FakeLlmServerExtension.class)
class ConcurrencyTests {

	private static final int REQUESTS = 500;

	private final Chat chat = new Chat();

	private final FakeLlmServer server;

	ConcurrencyTests(FakeLlmServer server) {
		this.server = server;
	}

	@Test
	void fiveHundredConcurrentDelayedRequestsOverlap() {
		this.server.model("m").thenAlways(FakeResponse.ok("Hello").delay(Duration.ofMillis(100)));
		long start = System.nanoTime();
		List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, REQUESTS)
			.mapToObj((i) -> this.chat.client()
				.sendAsync(Chat.request(this.server.baseUrl(), Chat.body("m", "Request " + i))
					.timeout(Duration.ofSeconds(30))
					.build(), BodyHandlers.ofString()))
			.toList();
		CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		assertThat(responses).allSatisfy((response) -> assertThat(response.join().statusCode()).isEqualTo(200));
		// One after the other they would take 50 seconds.
		assertThat(elapsed).isLessThan(Duration.ofSeconds(15));
		assertThat(this.server.requests()).hasSize(REQUESTS);
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void hundredConcurrentStreamsAllCompleteAndLeaveNoActiveExchange() {
		this.server.model("slow").thenAlways(FakeResponse.ok("One two three").chunkDelay(Duration.ofMillis(20)));
		List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 100)
			.mapToObj((i) -> this.chat.client()
				.sendAsync(Chat.request(this.server.baseUrl(), Chat.streamBody("slow", "Go " + i, true)).build(),
						BodyHandlers.ofString()))
			.toList();
		CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
		assertThat(responses).allSatisfy((response) -> assertThat(Chat.contents(Chat.events(response.join().body())))
			.containsExactly("One ", "two ", "three"));
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

}
