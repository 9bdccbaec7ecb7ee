package io.github.llmresilience.behaviour;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pool against a chain on two accounts of one provider's kind, each with a limit of
 * requests per window that its answers report in OpenAI's {@code x-ratelimit-*} headers
 * and that it enforces with a 429 without {@code Retry-After}: the pool spreads the calls
 * over both accounts, where the chain sends to the second only once the first is given up
 * (in virtual time: {@link VirtualTimeRun}). And the context pre-check on a pool's
 * members.
 */
class PoolBehaviourTests extends BehaviourTestSupport {

	private static final String EAST = "gpt-4o-east";

	private static final String WEST = "gpt-4o-west";

	private static final int PER_WINDOW = 5;

	private static final Duration WINDOW = Duration.ofMillis(1000);

	private static final int CALLS = 20;

	private static final int IN_FLIGHT = 10;

	/**
	 * An account that allows {@link #PER_WINDOW} requests per {@link #WINDOW} of a
	 * clock's time from the first request of a window, and says so on every answer as
	 * OpenAI does
	 * (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers): the
	 * limit, what remains and when it resets. Beyond the limit it answers 429 with the
	 * same headers and OpenAI's rate-limit error, without {@code Retry-After}. Each
	 * answer comes after 20 to 180 ms on the clock, which varies from one request to the
	 * next.
	 */
	static final class Account {

		private final Clock clock;

		private Instant windowStart = Instant.MIN;

		private int used;

		private long received;

		final AtomicInteger answered = new AtomicInteger();

		final AtomicInteger rejected = new AtomicInteger();

		Account(Clock clock) {
			this.clock = clock;
		}

		synchronized FakeResponse answer(RecordedRequest request) {
			Instant now = this.clock.instant();
			if (this.windowStart == Instant.MIN || !now.isBefore(this.windowStart.plus(WINDOW))) {
				this.windowStart = now;
				this.used = 0;
			}
			long resetMillis = Math.max(1,
					(Duration.between(now, this.windowStart.plus(WINDOW)).toNanos() + 999_999) / 1_000_000);
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
			return response.delay(Duration.ofMillis(20 + (this.received++ * 73) % 161))
				.header("x-ratelimit-limit-requests", Integer.toString(PER_WINDOW))
				.header("x-ratelimit-remaining-requests", Integer.toString(PER_WINDOW - this.used))
				.header("x-ratelimit-reset-requests", resetMillis + "ms");
		}

	}

	/**
	 * What one side of the comparison saw.
	 */
	record Side(Duration took, int eastAnswered, int eastRejected, int westAnswered, int westRejected,
			List<ChatResponse> responses) {

		int rejected() {
			return this.eastRejected + this.westRejected;
		}

		@Override
		public String toString() {
			return this.took.toMillis() + " ms, east " + this.eastAnswered + " + " + this.eastRejected + " 429, west "
					+ this.westAnswered + " + " + this.westRejected + " 429";
		}

	}

	private ApplicationContextRunner accounts(String... properties) {
		List<String> all = new ArrayList<>(List.of(
				"llm.providers.azure-east.base-url=" + this.server.baseUrl("azure-east"),
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
				"llm.policies.pool.pool.members[1].model-family=gpt-4o"));
		all.addAll(List.of(properties));
		return runner(all.toArray(String[]::new));
	}

	/**
	 * Run {@link #CALLS} calls at {@link #IN_FLIGHT} in flight under a policy, in virtual
	 * time.
	 */
	private Side run(String policy) {
		Side[] side = new Side[1];
		try (VirtualTimeRun time = new VirtualTimeRun()) {
			Account east = new Account(time.clock());
			Account west = new Account(time.clock());
			this.server.model(EAST).respondWith(east::answer);
			this.server.model(WEST).respondWith(west::answer);
			time.engineOn(accounts()).run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				Instant start = time.now();
				List<ChatResponse> responses = time.run(
						Flux.range(0, CALLS).flatMap((i) -> llm.chat(policy, REQUEST), IN_FLIGHT),
						VirtualTimeRun.settled(context, this.server), Duration.ofMillis(5), Duration.ofMinutes(1),
						Duration.ofMillis(2));
				side[0] = new Side(Duration.between(start, time.now()), east.answered.get(), east.rejected.get(),
						west.answered.get(), west.rejected.get(), responses);
			});
		}
		this.server.reset();
		return side[0];
	}

	@Test
	void aPoolOfTwoAccountsServesInAboutHalfTheTimeOfAChainWithNoMore429s() {
		Side chain = run("chain");
		Side pool = run("pool");
		String figures = "chain: " + chain + "; pool: " + pool;
		assertThat(chain.responses()).hasSize(CALLS);
		assertThat(pool.responses()).hasSize(CALLS);
		// Each account answered what it allows: the pool used both from the start, half
		// the calls each within half a window's worth.
		assertThat(pool.eastAnswered() + pool.westAnswered()).isEqualTo(CALLS);
		assertThat(pool.eastAnswered()).as(figures).isBetween(CALLS / 2 - PER_WINDOW / 2, CALLS / 2 + PER_WINDOW / 2);
		assertThat(pool.responses()).extracting((response) -> response.served().fallback()).containsOnly(false);
		assertThat(pool.rejected()).as(figures).isLessThanOrEqualTo(chain.rejected());
		// The chain sends everything to the first account until it is given up.
		assertThat(chain.eastAnswered()).isGreaterThan(chain.westAnswered());
		assertThat(pool.took().toNanos()).as(figures).isLessThan((long) (chain.took().toNanos() * 0.75));
	}

	@Test
	void aMemberTooSmallForThePromptIsPassedOverWithoutARequestAndAnotherMemberAnswers() {
		this.server.model(EAST).thenAlways(FakeResponse.ok("east"));
		this.server.model(WEST).thenAlways(FakeResponse.ok("west"));
		// The east member is tier 0: picked first whenever it can be sent to.
		accounts("llm.policies.pool.pool.members[0].max-input-tokens=100", "llm.policies.pool.pool.members[1].tier=1")
			.withConfiguration(METERS)
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				for (int i = 0; i < 3; i++) {
					served(llm.chat("pool", LONG), new Served("azure-west", WEST, 1, false));
				}
				// Short prompts still go to the east member.
				served(llm.chat("pool", REQUEST), new Served("azure-east", EAST, 1, false));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.find("llm.paced")
					.tags("provider", "azure-east", "model", EAST, "action", "skipped", "limit", "context")
					.counter()
					.count()).isEqualTo(3);
			});
		assertThat(this.server.requests(EAST)).hasSize(1);
		assertThat(this.server.requests(EAST).get(0).body()).doesNotContain("word word");
		assertThat(this.server.requests(WEST)).hasSize(3);
	}

	@Test
	void whenEveryMemberIsTooSmallThePoolIsPassedOverAndTheNextTargetAnswers() {
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		accounts("llm.policies.pool.pool.members[0].max-input-tokens=100",
				"llm.policies.pool.pool.members[1].max-input-tokens=200",
				"llm.policies.pool.fallbacks[0].provider=backup", "llm.policies.pool.fallbacks[0].model=" + FALLBACK,
				"llm.policies.pool.fallback-on=server-error")
			.run((context) -> served(context.getBean(LlmClient.class).chat("pool", LONG),
					new Served("backup", FALLBACK, 1, true)));
		assertThat(this.server.requests(EAST)).isEmpty();
		assertThat(this.server.requests(WEST)).isEmpty();
		assertThat(fallbackRequests()).hasSize(1);
		// With nothing after the pool, the call ends as context-length, nothing sent.
		accounts("llm.policies.pool.pool.members[0].max-input-tokens=100",
				"llm.policies.pool.pool.members[1].max-input-tokens=200")
			.run((context) -> assertPassedOverAsTooLong(context.getBean(LlmClient.class).chat("pool", LONG)));
		assertThat(this.server.requests()).hasSize(1);
	}

}
