package io.github.llmresilience.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.behaviour.LiveThreads;
import io.github.llmresilience.shared.RedisSharedState;
import io.github.llmresilience.testkit.FakeResponse;

import static io.github.llmresilience.fleet.FleetApplication.BACKUP;
import static io.github.llmresilience.fleet.FleetApplication.PRIMARY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis that misbehaves beyond stopping (which {@link SharedStateIT} covers): paused
 * past {@code llm.shared-state.timeout}, restarted with its data gone, a cooldown message
 * that arrives twice or after its end; and an instance that shuts down. Whatever Redis
 * does, no call waits for it, no cooldown is lost, and each instance says once that Redis
 * does not answer, not once per attempt.
 */
@Testcontainers(disabledWithoutDocker = true)
@ExtendWith(OutputCaptureExtension.class)
class RedisFaultsIT extends FleetTestSupport {

	private static final String REDIS_GONE = "Redis does not answer";

	/**
	 * How long a call may take while Redis misbehaves: the provider answers at once, and
	 * any wait for Redis would be at least its timeout ({@link #TIMEOUT}).
	 */
	private static final Duration PROMPT = Duration.ofMillis(1500);

	/**
	 * {@code llm.shared-state.timeout} of these tests.
	 */
	private static final String TIMEOUT = "2s";

	@Container
	static final RedisContainer redis = new RedisContainer();

	RedisFaultsIT() {
		super(redis, "faults-");
	}

	@Test
	void whenRedisIsPausedPastItsTimeoutNoCallWaitsAndACooldownLearnedMeanwhileIsSharedOnceItAnswers(
			CapturedOutput output) {
		ConfigurableApplicationContext a = start();
		ConfigurableApplicationContext b = start();
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("Paris."));
		await("both instances share", () -> status(a).equals("UP") && status(b).equals("UP"));
		int logged = output.length();
		// Every client of Redis waits eight seconds: four times llm.shared-state.timeout.
		assertThat(redis.cli("CLIENT", "PAUSE", "8000", "ALL")).isEqualTo("OK");
		long pausedAt = System.nanoTime();
		assertServedPromptly(a, new Served("openai", PRIMARY, 1, false));
		this.server.model(PRIMARY).thenAlways(RETRY_AFTER_120);
		// A learns that the primary must wait two minutes while Redis does not answer.
		assertServedPromptly(a, new Served("backup", BACKUP, 2, true));
		assertServedPromptly(a, new Served("backup", BACKUP, 1, true));
		assertThat(Duration.ofNanos(System.nanoTime() - pausedAt)).as("the calls were made while Redis was paused")
			.isLessThan(Duration.ofSeconds(8));
		await("instance A finds Redis gone", () -> status(a).equals("DOWN"));
		assertThat(cooldowns(a, "published")).isZero();
		// Once Redis answers again, what A learned reaches B, which asks the primary
		// nothing.
		awaitCount(a, "published", 1);
		awaitCount(b, "applied", 1);
		assertServedPromptly(b, new Served("backup", BACKUP, 1, true));
		assertThat(this.server.requests(PRIMARY)).hasSize(2);
		await("both instances share again", () -> status(a).equals("UP") && status(b).equals("UP"));
		// One WARN per instance that found Redis gone, not one per heartbeat or
		// operation.
		String logs = output.toString().substring(logged);
		assertThat(count(logs, REDIS_GONE)).isBetween(1, 2);
		assertThat(count(logs, "Redis answers again")).isEqualTo(count(logs, REDIS_GONE));
	}

	@Test
	void whenRedisRestartsWithItsDataGoneTheLiveCooldownsArePublishedAgain(CapturedOutput output) {
		ConfigurableApplicationContext a = start();
		this.server.model(PRIMARY).thenAlways(RETRY_AFTER_120);
		assertServedPromptly(a, new Served("backup", BACKUP, 2, true));
		awaitCount(a, "published", 1);
		String key = this.keyPrefix + ":cooldown:retry-after:openai:" + PRIMARY;
		assertThat(cooldownKeys()).isEqualTo(key);
		int logged = output.length();
		redis.stopServer();
		try {
			assertServedPromptly(a, new Served("backup", BACKUP, 1, true));
			await("instance A finds Redis gone", () -> status(a).equals("DOWN"));
		}
		finally {
			redis.startServer();
		}
		// Restarted without persistence, Redis is empty; the cooldown still lasts: A
		// writes and announces it again.
		await("the cooldown is in Redis again", () -> cooldownKeys().equals(key));
		awaitCount(a, "published", 2);
		ConfigurableApplicationContext d = start();
		assertServedPromptly(d, new Served("backup", BACKUP, 1, true));
		assertThat(this.server.requests(PRIMARY)).hasSize(1);
		assertThat(cooldowns(d, "applied")).isEqualTo(1);
		String logs = output.toString().substring(logged);
		assertThat(count(logs, REDIS_GONE)).isEqualTo(1);
		assertThat(count(logs, "Redis answers again")).isEqualTo(1);
	}

	@Test
	void aCooldownMessageThatArrivesTwiceIsAppliedOnceAndOneThatHasEndedChangesNothing(CapturedOutput output) {
		ConfigurableApplicationContext a = start();
		ConfigurableApplicationContext b = start();
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("Paris."));
		await("both instances listen", () -> subscribers() == 2);
		int logged = output.length();
		Instant until = this.clock.instant().plusSeconds(120);
		// What another instance publishes (CooldownMessage): the same message twice, as a
		// Redis that came back makes instances announce their cooldowns again.
		String message = message(PRIMARY, until);
		assertThat(redis.cli("PUBLISH", channel(a), message)).isEqualTo("2");
		assertThat(redis.cli("PUBLISH", channel(a), message)).isEqualTo("2");
		// And a cooldown of the backup that has already ended.
		assertThat(redis.cli("PUBLISH", channel(a), message(BACKUP, this.clock.instant().minusSeconds(1))))
			.isEqualTo("2");
		awaitCount(a, "applied", 1);
		awaitCount(b, "applied", 1);
		Awaitility.await("nothing more is applied")
			.during(Duration.ofMillis(500))
			.atMost(AWAIT)
			.until(() -> cooldowns(a, "applied") == 1 && cooldowns(b, "applied") == 1);
		assertServedPromptly(a, new Served("backup", BACKUP, 1, true));
		assertServedPromptly(b, new Served("backup", BACKUP, 1, true));
		// Two minutes later the message arrives again, after its end: the primary serves.
		this.clock.advance(Duration.ofSeconds(121));
		assertThat(redis.cli("PUBLISH", channel(a), message)).isEqualTo("2");
		assertServedPromptly(b, new Served("openai", PRIMARY, 1, false));
		Awaitility.await("the late message is not applied")
			.during(Duration.ofMillis(500))
			.atMost(AWAIT)
			.until(() -> cooldowns(b, "applied") == 1);
		assertServedPromptly(b, new Served("openai", PRIMARY, 1, false));
		assertThat(output.toString().substring(logged).lines())
			.noneMatch((line) -> line.contains(" WARN ") && line.contains("RedisSharedState"));
	}

	@Test
	void anInstanceThatShutsDownUnderLoadStopsItsSubscriptionAndHeartbeatAndLeavesNoThreadOrConnection() {
		ConfigurableApplicationContext a = start();
		ConfigurableApplicationContext b = start();
		await("both instances listen", () -> subscribers() == 2);
		int clients = clients();
		// Calls in flight on A when it shuts down: the primary does not answer.
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		for (int i = 0; i < 20; i++) {
			a.getBean(LlmClient.class).chat(QUESTION).subscribe(null, failures::add);
		}
		await("the calls are in flight", () -> this.server.activeExchanges() == 20);
		close(a);
		await("every call ended", () -> failures.size() == 20);
		assertThat(failures)
			.allSatisfy((failure) -> assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.SHUTDOWN));
		await("A's subscription and connections are closed", () -> subscribers() == 1 && clients() < clients);
		assertThat(this.server.activeExchanges()).isZero();
		close(b);
		await("no instance is connected", () -> subscribers() == 0 && clients() == 1);
		await("no llm-resilience thread is left", () -> LiveThreads.named("llm-").isEmpty());
		// Redis saw the last heartbeat before the shutdown: none comes after it.
		String pings = pings();
		Awaitility.await("no heartbeat after the shutdown")
			.during(Duration.ofMillis(2500))
			.atMost(AWAIT)
			.until(() -> pings().equals(pings));
	}

	/**
	 * The heartbeats Redis has answered: its count of {@code PING} commands.
	 */
	private static String pings() {
		return redis.cli("INFO", "commandstats")
			.lines()
			.filter((line) -> line.startsWith("cmdstat_ping:"))
			.map((line) -> line.replaceAll(",.*", ""))
			.findFirst()
			.orElse("none");
	}

	private ConfigurableApplicationContext start() {
		return start("llm.shared-state.timeout=" + TIMEOUT);
	}

	private String message(String model, Instant until) {
		String provider = model.equals(PRIMARY) ? "openai" : "backup";
		return "{\"provider\":\"" + provider + "\",\"model\":\"" + model + "\",\"cause\":\"retry-after\",\"until\":"
				+ until.toEpochMilli() + ",\"origin\":\"another-instance\"}";
	}

	private static String channel(ConfigurableApplicationContext instance) {
		return instance.getBean(RedisSharedState.class).settings().channel();
	}

	private int subscribers() {
		String channel = this.keyPrefix + ":cooldowns";
		String[] lines = redis.cli("PUBSUB", "NUMSUB", channel).split("\n");
		return Integer.parseInt(lines[lines.length - 1].trim());
	}

	/**
	 * The clients connected to Redis, this {@code redis-cli} included.
	 */
	private static int clients() {
		return (int) redis.cli("CLIENT", "LIST").lines().filter((line) -> !line.isBlank()).count();
	}

	/**
	 * Assert that a call is served as given, within {@link #PROMPT}: no wait for Redis.
	 */
	private static void assertServedPromptly(ConfigurableApplicationContext instance, Served served) {
		Mono<Served> call = instance.getBean(LlmClient.class).chat(QUESTION).map((response) -> response.served());
		long start = System.nanoTime();
		StepVerifier.create(call).expectNext(served).verifyComplete();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	private static String status(ConfigurableApplicationContext instance) {
		return String.valueOf(sharedState(instance).get("status"));
	}

	private static int count(String text, String phrase) {
		int count = 0;
		for (int at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + phrase.length())) {
			count++;
		}
		return count;
	}

}
