package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pool against a chain on two accounts of one provider's kind, each with a limit of
 * requests per window that its answers report in OpenAI's {@code x-ratelimit-*} headers
 * and that it enforces with a 429 without {@code Retry-After}: the pool spreads the calls
 * over both accounts, where the chain sends to the second only once the first is given
 * up.
 */
class PoolBehaviourTests extends BehaviourTestSupport {

	private static final String EAST = "gpt-4o-east";

	private static final String WEST = "gpt-4o-west";

	private static final int PER_WINDOW = 5;

	private static final Duration WINDOW = Duration.ofMillis(1000);

	private static final int CALLS = 20;

	private static final int IN_FLIGHT = 10;

	/**
	 * An account that allows {@link #PER_WINDOW} requests per {@link #WINDOW} from the
	 * first request of a window, and says so on every answer as OpenAI does
	 * (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers): the
	 * limit, what remains and when it resets. Beyond the limit it answers 429 with the
	 * same headers and OpenAI's rate-limit error, without {@code Retry-After}.
	 */
	static final class Account {

		private long windowStart = Long.MIN_VALUE;

		private int used;

		final AtomicInteger answered = new AtomicInteger();

		final AtomicInteger rejected = new AtomicInteger();

		synchronized FakeResponse answer(RecordedRequest request) {
			long now = System.nanoTime();
			if (this.windowStart == Long.MIN_VALUE || now - this.windowStart >= WINDOW.toNanos()) {
				this.windowStart = now;
				this.used = 0;
			}
			long resetMillis = Math.max(1, (this.windowStart + WINDOW.toNanos() - now) / 1_000_000);
			FakeResponse response;
			if (this.used < PER_WINDOW) {
				this.used++;
				this.answered.incrementAndGet();
				response = FakeResponse.ok("answered");
			}
			else {
				this.rejected.incrementAndGet();
				response = FakeResponse.error(429, "requests", "rate_limit_exceeded",
						"Rate limit reached for requests. Limit: " + PER_WINDOW + ", Used: " + PER_WINDOW
								+ ", Requested: 1.");
			}
			return response.header("x-ratelimit-limit-requests", Integer.toString(PER_WINDOW))
				.header("x-ratelimit-remaining-requests", Integer.toString(PER_WINDOW - this.used))
				.header("x-ratelimit-reset-requests", resetMillis + "ms");
		}

	}

	/**
	 * What one side of the comparison saw.
	 */
	record Side(long wallNanos, int eastAnswered, int eastRejected, int westAnswered, int westRejected,
			List<ChatResponse> responses) {

		int rejected() {
			return this.eastRejected + this.westRejected;
		}

	}

	private Side run(String policy) {
		Account east = new Account();
		Account west = new Account();
		this.server.model(EAST).respondWith(east::answer);
		this.server.model(WEST).respondWith(west::answer);
		Side[] side = new Side[1];
		runner("llm.providers.azure-east.base-url=" + this.server.baseUrl("azure-east"),
				"llm.providers.azure-west.base-url=" + this.server.baseUrl("azure-west"),
				"llm.providers.azure-east.api-key=sk-east", "llm.providers.azure-west.api-key=sk-west",
				"llm.defaults.retry.max-retry-after=5s", "llm.defaults.retry.max-attempts=6",
				"llm.policies.chain.provider=azure-east", "llm.policies.chain.model=" + EAST,
				"llm.policies.chain.fallbacks[0].provider=azure-west", "llm.policies.chain.fallbacks[0].model=" + WEST,
				"llm.policies.pool.pool.members[0].provider=azure-east",
				"llm.policies.pool.pool.members[0].model=" + EAST,
				"llm.policies.pool.pool.members[0].model-family=gpt-4o",
				"llm.policies.pool.pool.members[1].provider=azure-west",
				"llm.policies.pool.pool.members[1].model=" + WEST,
				"llm.policies.pool.pool.members[1].model-family=gpt-4o")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				long start = System.nanoTime();
				List<ChatResponse> responses = Flux.range(0, CALLS)
					.flatMap((i) -> llm.chat(policy, REQUEST), IN_FLIGHT)
					.collectList()
					.block(Duration.ofSeconds(30));
				long wall = System.nanoTime() - start;
				side[0] = new Side(wall, east.answered.get(), east.rejected.get(), west.answered.get(),
						west.rejected.get(), responses);
			});
		this.server.reset();
		return side[0];
	}

	@Test
	void aPoolOfTwoAccountsServesInAboutHalfTheTimeOfAChainWithNoMore429s() {
		Side chain = run("chain");
		Side pool = run("pool");
		String figures = ("chain: " + chain.wallNanos() / 1_000_000 + " ms, east " + chain.eastAnswered() + " + "
				+ chain.eastRejected() + " 429, west " + chain.westAnswered() + " + " + chain.westRejected()
				+ " 429; pool: " + pool.wallNanos() / 1_000_000 + " ms, east " + pool.eastAnswered() + " + "
				+ pool.eastRejected() + " 429, west " + pool.westAnswered() + " + " + pool.westRejected() + " 429");
		assertThat(chain.responses()).hasSize(CALLS);
		assertThat(pool.responses()).hasSize(CALLS);
		// Each account answered what it allows: the pool used both from the start.
		assertThat(pool.eastAnswered() + pool.westAnswered()).isEqualTo(CALLS);
		// Equal weights: the east's share is a draw of CALLS picks at one half, within
		// three standard deviations of it (sqrt(CALLS / 4) each).
		int tolerance = (int) Math.ceil(3 * Math.sqrt(CALLS / 4.0));
		assertThat(pool.eastAnswered()).as(figures).isBetween(CALLS / 2 - tolerance, CALLS / 2 + tolerance);
		assertThat(pool.responses()).extracting((response) -> response.served().fallback()).containsOnly(false);
		// Both sides send their first requests before any header reports a used-up
		// window, so how many 429s each meets first varies from run to run by up to a
		// window's worth; beyond that, the pool meets no more than the chain.
		assertThat(pool.rejected()).as(figures).isLessThanOrEqualTo(chain.rejected() + PER_WINDOW);
		// The chain sends everything to the first account until it is given up.
		assertThat(chain.eastAnswered()).isGreaterThan(chain.westAnswered());
		assertThat((double) pool.wallNanos()).as(figures).isLessThan(chain.wallNanos() * 0.75);
	}

}
