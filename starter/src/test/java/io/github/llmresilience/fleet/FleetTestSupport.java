package io.github.llmresilience.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.actuate.LlmHealthIndicator;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.TestClock;

import static io.github.llmresilience.fleet.FleetApplication.BACKUP;
import static io.github.llmresilience.fleet.FleetApplication.PRIMARY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fleet of instances ({@link FleetApplication} contexts) that a test starts against one
 * real Redis and one provider ({@link FakeLlmServer}), closed after the test. Each test
 * keeps its keys under a prefix of its own, the backup always answers, and the instances'
 * engine clock stands still unless the test moves it. What the tests read from an
 * instance (the shared state's health, the {@code llm.shared.cooldowns} counters) is here
 * too.
 */
abstract class FleetTestSupport {

	static final ChatRequest QUESTION = ChatRequest.builder().user("What is the capital of France?").build();

	/**
	 * What a 429 that asks for two minutes looks like: longer than the policy's
	 * max-retry-after.
	 */
	static final FakeResponse RETRY_AFTER_120 = FakeResponse.status(429).retryAfterSeconds(120);

	static final Duration AWAIT = Duration.ofSeconds(60);

	final FakeLlmServer server = FakeLlmServer.start();

	final TestClock clock = new TestClock(Instant.now());

	private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

	private final RedisContainer redis;

	private final String keyPrefixStem;

	String keyPrefix;

	/**
	 * Create the support for a test class.
	 * @param redis the Redis the instances share
	 * @param keyPrefixStem what each test's key prefix starts with, before the test's
	 * name
	 */
	FleetTestSupport(RedisContainer redis, String keyPrefixStem) {
		this.redis = redis;
		this.keyPrefixStem = keyPrefixStem;
	}

	@BeforeEach
	void prefixOfThisTest(TestInfo test) {
		this.keyPrefix = this.keyPrefixStem + test.getTestMethod().orElseThrow().getName();
		this.server.model(BACKUP).thenAlways(FakeResponse.ok("Paris, said the backup."));
	}

	@AfterEach
	void stopInstances() {
		this.instances.forEach(ConfigurableApplicationContext::close);
		this.server.close();
	}

	/**
	 * Start an instance, closed after the test unless the test closes it.
	 * @param properties properties of this instance, {@code name=value}
	 * @return the instance
	 */
	ConfigurableApplicationContext start(String... properties) {
		ConfigurableApplicationContext instance = FleetApplication.start(this.server, this.redis, this.keyPrefix,
				this.clock, properties);
		this.instances.add(instance);
		return instance;
	}

	void close(ConfigurableApplicationContext instance) {
		instance.close();
		this.instances.remove(instance);
	}

	int primaryRequests() {
		return this.server.requests(PRIMARY).size();
	}

	/**
	 * The cooldowns written in Redis under this test's prefix, one key a line.
	 */
	String cooldownKeys() {
		return this.redis.cli("--scan", "--pattern", this.keyPrefix + ":cooldown:*");
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> sharedState(ConfigurableApplicationContext instance) {
		return (Map<String, Object>) instance.getBean(LlmHealthIndicator.class)
			.health()
			.getDetails()
			.get("sharedState");
	}

	static double cooldowns(ConfigurableApplicationContext instance, String direction) {
		return instance.getBean(MeterRegistry.class)
			.find("llm.shared.cooldowns")
			.tag("direction", direction)
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	static void awaitCount(ConfigurableApplicationContext instance, String direction, int count) {
		await("llm.shared.cooldowns{direction=" + direction + "} reaches " + count,
				() -> cooldowns(instance, direction) >= count);
		assertThat(cooldowns(instance, direction)).isEqualTo(count);
	}

	static void await(String what, Supplier<Boolean> condition) {
		Awaitility.await(what).atMost(AWAIT).pollInterval(Duration.ofMillis(50)).until(condition::get);
	}

}
