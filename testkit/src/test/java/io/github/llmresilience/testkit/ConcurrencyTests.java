package io.github.llmresilience.testkit;

import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that delayed exchanges overlap instead of occupying threads, and that a
 * concurrency limit answers what goes beyond it with 429.
 */
class ConcurrencyTests extends FakeLlmServerTestSupport {

	private static final int REQUESTS = 500;

	// Only a safety net: hundreds of connections at once are slow to get through on a
	// loaded
	// machine, and nothing here asserts how fast they are.
	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	@Test
	void fiveHundredConcurrentDelayedRequestsOverlap() {
		Duration delay = Duration.ofSeconds(2);
		this.server.model("m").thenAlways(FakeResponse.ok("Hello").delay(delay));
		List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, REQUESTS)
			.mapToObj((i) -> this.chat.client()
				.sendAsync(Chat.request(this.server.baseUrl(), Chat.body("m", "Request " + i)).timeout(TIMEOUT).build(),
						BodyHandlers.ofString()))
			.toList();
		CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
		assertThat(responses).allSatisfy((response) -> assertThat(response.join().statusCode()).isEqualTo(200));
		assertThat(this.server.requests()).hasSize(REQUESTS);
		// Far more at once than a server has threads: one that held a thread per delayed
		// exchange
		// could not. (How fast the client sends them on a loaded machine only changes how
		// many.)
		assertThat(mostDelayedAtOnce(this.server.requests(), delay)).isGreaterThanOrEqualTo(REQUESTS / 5);
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	/**
	 * Each exchange is delayed from its arrival, so all that arrived within one delay of
	 * the first of them were being delayed together when the last of them arrived.
	 */
	private static int mostDelayedAtOnce(List<RecordedRequest> requests, Duration delay) {
		int most = 0;
		int first = 0;
		for (int last = 0; last < requests.size(); last++) {
			while (requests.get(last).receivedNanos() - requests.get(first).receivedNanos() >= delay.toNanos()) {
				first++;
			}
			most = Math.max(most, last - first + 1);
		}
		return most;
	}

	@Test
	void hundredConcurrentStreamsAllCompleteAndLeaveNoActiveExchange() {
		this.server.model("slow").thenAlways(FakeResponse.ok("One two three").chunkDelay(Duration.ofMillis(20)));
		List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 100)
			.mapToObj((i) -> this.chat.client()
				.sendAsync(Chat.request(this.server.baseUrl(), Chat.streamBody("slow", "Go " + i, true))
					.timeout(TIMEOUT)
					.build(), BodyHandlers.ofString()))
			.toList();
		CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
		assertThat(responses).allSatisfy((response) -> assertThat(Chat.contents(Chat.events(response.join().body())))
			.containsExactly("One ", "two ", "three"));
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void aConcurrencyLimitAnswersTheRequestsBeyondItWith429AndCountsThePeak() {
		this.server.concurrencyLimit(3);
		this.server.model("m").thenAlways(FakeResponse.ok("Hello").delay(Duration.ofMillis(500)));
		List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 10)
			.mapToObj((i) -> this.chat.client()
				.sendAsync(Chat.request(this.server.baseUrl(), Chat.body("m", "Request " + i)).timeout(TIMEOUT).build(),
						BodyHandlers.ofString()))
			.toList();
		CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
		List<Integer> statuses = responses.stream().map((response) -> response.join().statusCode()).toList();
		// The first three to arrive are answered whatever the others do.
		assertThat(statuses).contains(429);
		assertThat(statuses.stream().filter((status) -> status == 200)).hasSizeGreaterThanOrEqualTo(3);
		assertThat(this.server.requests()).hasSize(10);
		assertThat(this.server.peakExchanges()).isGreaterThan(3);
	}

	@Test
	void withinTheConcurrencyLimitEveryRequestIsAnsweredAndThePeakIsTheLoad() {
		this.server.concurrencyLimit(3);
		this.server.model("m").thenAlways(FakeResponse.ok("Hello").delay(Duration.ofMillis(50)));
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = this.chat.client()
				.sendAsync(Chat.request(this.server.baseUrl(), Chat.body("m", "Request " + i)).timeout(TIMEOUT).build(),
						BodyHandlers.ofString())
				.join();
			assertThat(response.statusCode()).isEqualTo(200);
		}
		assertThat(this.server.peakExchanges()).isOne();
		this.server.reset();
		assertThat(this.server.peakExchanges()).isZero();
	}

}
