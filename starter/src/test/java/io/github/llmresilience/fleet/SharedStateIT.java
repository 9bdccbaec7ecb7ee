package io.github.llmresilience.fleet;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Served;
import io.github.llmresilience.actuate.LlmHealthIndicator;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.shared.FleetRequestLimiters;
import io.github.llmresilience.shared.RedisSharedState;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static io.github.llmresilience.fleet.FleetApplication.BACKUP;
import static io.github.llmresilience.fleet.FleetApplication.PRIMARY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fleet of instances (application contexts) sharing one real Redis (Debian's
 * {@code redis-server} in a container) and one provider ({@link FakeLlmServer}): what one
 * instance learns from the server, the others act on, without asking the server again; a
 * declared limit holds for the fleet; and when Redis goes away the instances go on alone,
 * and share again when it is back. The instances' engine clock stands still unless a test
 * moves it, so a cooldown of two minutes ends when the test says.
 */
@Testcontainers(disabledWithoutDocker = true)
class SharedStateIT extends FleetTestSupport {

	/**
	 * OpenAI's answer when the account's quota is used up, as its error code guide lists
	 * it (https://platform.openai.com/docs/guides/error-codes/api-errors, "429 - You
	 * exceeded your current quota, please check your plan and billing details").
	 */
	private static final FakeResponse QUOTA_EXHAUSTED = FakeResponse.error(429, "insufficient_quota",
			"insufficient_quota", "You exceeded your current quota, please check your plan and billing details.");

	@Container
	static final RedisContainer redis = new RedisContainer();

	SharedStateIT() {
		super(redis, "it-");
	}

	@Test
	void whenOneInstanceIsToldRetryAfterTheOthersSendNothingToThatTargetUntilTheInstantThenTryItAgain() {
		Three three = threeOfWhichTheFirstLearns(RETRY_AFTER_120);
		ConfigurableApplicationContext a = three.first();
		ConfigurableApplicationContext b = three.second();
		ConfigurableApplicationContext c = three.third();
		assertThat(cooldowns(a, "published")).isEqualTo(1);
		assertThat(cooldownKeys()).isEqualTo(this.keyPrefix + ":cooldown:retry-after:openai:" + PRIMARY);
		// Two minutes later the server answers again, and the instances ask it again.
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("Paris."));
		this.clock.advance(Duration.ofSeconds(121));
		assertServedBy(b, new Served("openai", PRIMARY, 1, false));
		assertServedBy(c, new Served("openai", PRIMARY, 1, false));
		assertThat(primaryRequests()).isEqualTo(3);
		assertThat(cooldowns(b, "published") + cooldowns(c, "published")).isZero();
	}

	@Test
	void whenOneInstanceFindsTheQuotaUsedUpTheOthersSkipThatTarget() {
		ConfigurableApplicationContext a = threeOfWhichTheFirstLearns(QUOTA_EXHAUSTED).first();
		assertThat(a.getBean(MeterRegistry.class)
			.get("llm.shared.cooldowns")
			.tags("direction", "published", "cause", "quota-exhausted", "provider", "openai", "model", PRIMARY)
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void aDeclaredLimitOf60RequestsPerMinuteHoldsAcrossTheFleet() {
		// A call that finds no permit free is not held back (max-retry-after 0): it falls
		// back at once.
		String[] limited = { "llm.providers.openai.rate-limit.requests-per-minute=60",
				"llm.defaults.retry.max-retry-after=0s" };
		List<ConfigurableApplicationContext> fleet = startLimitedFleet(limited);
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("Paris."));
		// A minute in steps of a second: each instance makes a call a second, three for
		// the fleet.
		assertThat(callEverySecondForAMinute(fleet)).isEqualTo(180);
		// One request a second for the fleet; held per instance, the limit would let all
		// 180 through.
		assertThat(primaryRequests()).isBetween(55, 61);
		assertThat(this.server.requests(BACKUP)).hasSize(180 - primaryRequests());
	}

	@Test
	void aDeclaredLimitOf60000TokensPerMinuteHoldsAcrossTheFleet() {
		// Each answer reports 1,000 tokens used; a call that finds no room is not held
		// back (max-retry-after 0): it falls back at once.
		String[] limited = { "llm.providers.openai.rate-limit.tokens-per-minute=60000",
				"llm.defaults.retry.max-retry-after=0s" };
		List<ConfigurableApplicationContext> fleet = startLimitedFleet(limited);
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("Paris.").usage(990, 10));
		// A minute in steps of a second, a call a second per instance: 3,000 tokens a
		// second for the fleet, against 60,000 that refill at 1,000 a second. The fleet's
		// bucket lasts 30 s, then lets one call a second through: about 120 of 180.
		assertThat(callEverySecondForAMinute(fleet)).isEqualTo(180);
		// Held per instance, each instance's own bucket would refill as fast as it
		// spends, and all 180 would go to the primary.
		assertThat(primaryRequests()).isBetween(110, 125);
		assertThat(this.server.requests(BACKUP)).hasSize(180 - primaryRequests());
	}

	@Test
	void whenRedisStopsCallsAreServedAndTheHealthSaysSoAndWhatWasLearnedMeanwhileIsSharedWhenItIsBack() {
		ConfigurableApplicationContext a = start();
		ConfigurableApplicationContext b = start();
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("Paris."));
		assertSharedState(a, "UP");
		redis.stopServer();
		try {
			assertServedBy(a, new Served("openai", PRIMARY, 1, false));
			await("instance A finds Redis gone", () -> sharedState(a).get("status").equals("DOWN"));
			assertSharedState(a, "DOWN");
			// Only A asks the primary while Redis is away, and learns that it must wait
			// two minutes.
			this.server.model(PRIMARY).thenAlways(RETRY_AFTER_120);
			assertServedBy(a, new Served("backup", BACKUP, 2, true));
			assertServedBy(a, new Served("backup", BACKUP, 1, true));
			assertThat(sharedState(a)).containsEntry("pendingCooldowns", 1);
			assertThat(cooldowns(a, "published")).isZero();
		}
		finally {
			redis.startServer();
		}
		await("instance A shares again", () -> sharedState(a).get("status").equals("UP"));
		awaitCount(a, "published", 1);
		awaitCount(b, "applied", 1);
		assertServedBy(b, new Served("backup", BACKUP, 1, true));
		assertThat(primaryRequests()).isEqualTo(2);
		assertThat(cooldownKeys()).isEqualTo(this.keyPrefix + ":cooldown:retry-after:openai:" + PRIMARY);
		assertThat(sharedState(a)).containsEntry("pendingCooldowns", 0);
	}

	@Test
	void aLongerCooldownLearnedByAnotherInstanceExtendsTheSharedOneAndAShorterOneChangesNothing() {
		ConfigurableApplicationContext a = start();
		ConfigurableApplicationContext b = start();
		ConfigurableApplicationContext c = start();
		// One request of each instance in flight at once; their answers come in this
		// order (3 s apart, more than the instances' first requests are apart on a loaded
		// machine), each asking for a wait beyond max-retry-after (5s): 30s, then 120s,
		// then 10s.
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(429).retryAfterSeconds(30).delay(Duration.ofSeconds(1)),
					FakeResponse.status(429).retryAfterSeconds(120).delay(Duration.ofSeconds(4)),
					FakeResponse.status(429).retryAfterSeconds(10).delay(Duration.ofSeconds(7)));
		Instant start = this.clock.instant();
		StepVerifier.create(Flux.merge(chat(a), chat(b), chat(c)).map((response) -> response.served().provider()))
			.expectNext("backup", "backup", "backup")
			.verifyComplete();
		assertThat(primaryRequests()).isEqualTo(3);
		String key = this.keyPrefix + ":cooldown:retry-after:openai:" + PRIMARY;
		// Redis keeps the 120s one: the 10s one, written last, did not shorten it.
		Awaitility.await()
			.during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(10))
			.until(() -> Long.parseLong(redis.cli("PTTL", key)) > 100_000);
		assertThat(cooldowns(a, "published") + cooldowns(b, "published") + cooldowns(c, "published")).isEqualTo(2);
		// Every instance, and one started now, keeps the target out for 120s (a shared
		// cooldown ends on a millisecond).
		ConfigurableApplicationContext d = start();
		List<ConfigurableApplicationContext> all = List.of(a, b, c, d);
		for (ConfigurableApplicationContext instance : all) {
			Awaitility.await()
				.atMost(AWAIT)
				.untilAsserted(() -> assertThat(openUntil(instance)).as("open until, instance " + all.indexOf(instance))
					.isNotNull()
					.isAfterOrEqualTo(start.plusSeconds(120).truncatedTo(ChronoUnit.MILLIS)));
		}
		assertServedBy(d, new Served("backup", BACKUP, 1, true));
		assertThat(primaryRequests()).isEqualTo(3);
	}

	@Test
	void anInstanceStartedAfterACooldownWasPublishedSkipsTheTargetFromItsFirstCall() {
		ConfigurableApplicationContext a = start();
		this.server.model(PRIMARY).thenAlways(RETRY_AFTER_120);
		assertServedBy(a, new Served("backup", BACKUP, 2, true));
		awaitCount(a, "published", 1);
		ConfigurableApplicationContext d = start();
		assertServedBy(d, new Served("backup", BACKUP, 1, true));
		assertThat(primaryRequests()).isEqualTo(1);
		assertThat(cooldowns(d, "applied")).isEqualTo(1);
	}

	private static Mono<ChatResponse> chat(ConfigurableApplicationContext instance) {
		return instance.getBean(LlmClient.class).chat(QUESTION);
	}

	private static @Nullable Instant openUntil(ConfigurableApplicationContext instance) {
		return instance.getBean(TargetResilience.class).openUntil(new Target("openai", PRIMARY));
	}

	/**
	 * Start three instances with declared limits, each once the fleet's bucket is
	 * reachable.
	 */
	private List<ConfigurableApplicationContext> startLimitedFleet(String... limited) {
		List<ConfigurableApplicationContext> fleet = List.of(start(limited), start(limited), start(limited));
		for (ConfigurableApplicationContext instance : fleet) {
			await("the fleet's bucket is reachable", () -> instance.getBean(FleetRequestLimiters.class).isConnected());
		}
		return fleet;
	}

	/**
	 * A minute in steps of a second, each instance making a call a second.
	 * @return how many calls were served
	 */
	private int callEverySecondForAMinute(List<ConfigurableApplicationContext> fleet) {
		AtomicInteger served = new AtomicInteger();
		for (int second = 0; second < 60; second++) {
			for (ConfigurableApplicationContext instance : fleet) {
				StepVerifier.create(instance.getBean(LlmClient.class).chat(QUESTION))
					.assertNext((response) -> served.incrementAndGet())
					.verifyComplete();
			}
			this.clock.advance(Duration.ofSeconds(1));
		}
		return served.get();
	}

	private static void assertServedBy(ConfigurableApplicationContext instance, Served served) {
		StepVerifier.create(instance.getBean(LlmClient.class).chat(QUESTION))
			.assertNext((response) -> assertThat(response.served()).isEqualTo(served))
			.verifyComplete();
	}

	private static void assertSharedState(ConfigurableApplicationContext instance, String status) {
		Health health = instance.getBean(LlmHealthIndicator.class).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(sharedState(instance)).containsEntry("type", "redis").containsEntry("status", status);
		assertThat(instance.getBean(RedisSharedState.class).available()).isEqualTo(status.equals("UP"));
	}

	/**
	 * Start three instances and let the primary answer every request as given: the first
	 * instance meets the primary's answer and is served by the backup; the others, once
	 * its cooldown reached them, are served by the backup without sending the primary
	 * anything.
	 * @return the three instances
	 */
	private Three threeOfWhichTheFirstLearns(FakeResponse primaryAnswer) {
		ConfigurableApplicationContext first = start();
		ConfigurableApplicationContext second = start();
		ConfigurableApplicationContext third = start();
		this.server.model(PRIMARY).thenAlways(primaryAnswer);
		assertServedBy(first, new Served("backup", BACKUP, 2, true));
		assertThat(primaryRequests()).isEqualTo(1);
		awaitCount(second, "applied", 1);
		awaitCount(third, "applied", 1);
		for (int i = 0; i < 5; i++) {
			assertServedBy(second, new Served("backup", BACKUP, 1, true));
			assertServedBy(third, new Served("backup", BACKUP, 1, true));
		}
		assertThat(primaryRequests()).isEqualTo(1);
		return new Three(first, second, third);
	}

	private record Three(ConfigurableApplicationContext first, ConfigurableApplicationContext second,
			ConfigurableApplicationContext third) {

	}

}
