package io.github.llmresilience.observation;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.test.StepVerifier;

import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The exact meters each row of the failure table leaves behind: the primary answers as
 * scripted, then the default answer ({@code ok}); the {@code summaries} policy has 3
 * attempts on its primary and one fallback.
 */
class LlmMetersPerScenarioTests {

	/**
	 * The one scenario that needs a short read timeout: the others have one that a slow
	 * machine cannot reach, so their retries are always for the reason they script.
	 */
	private static final String TIMEOUT = "timeout";

	private final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	void stop() {
		this.server.close();
	}

	static Stream<Arguments> scenarios() {
		return Stream.of(
				arguments("rate-limited twice",
						List.of(FakeResponse.status(429).retryAfterMillis(10),
								FakeResponse.status(429).retryAfterMillis(10)),
						Map.of("rate-limited", 2), Map.of(), "success", "openai", "false"),
				arguments("server error three times",
						List.of(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503)),
						Map.of("server-error", 2), Map.of("server-error", 1), "success", "backup", "true"),
				arguments("quota exhausted",
						List.of(FakeResponse.error(429, "insufficient_quota", "insufficient_quota", "quota")), Map.of(),
						Map.of("quota-exhausted", 1), "success", "backup", "true"),
				arguments("conflict twice", List.of(FakeResponse.status(409), FakeResponse.status(409)),
						Map.of("conflict", 2), Map.of(), "success", "openai", "false"),
				arguments("connection reset", List.of(FakeResponse.reset()), Map.of("connection", 1), Map.of(),
						"success", "openai", "false"),
				arguments(TIMEOUT, List.of(FakeResponse.hang()), Map.of("timeout", 1), Map.of(), "success", "openai",
						"false"),
				arguments("auth", List.of(FakeResponse.status(401)), Map.of(), Map.of("auth", 1), "success", "backup",
						"true"),
				arguments("not found", List.of(FakeResponse.status(404)), Map.of(), Map.of("not-found", 1), "success",
						"backup", "true"),
				arguments("malformed", List.of(FakeResponse.malformed("{}")), Map.of(), Map.of("malformed-response", 1),
						"success", "backup", "true"),
				arguments("bad request", List.of(FakeResponse.status(400)), Map.of(), Map.of(), "failure", "none",
						"false"),
				arguments("context length",
						List.of(FakeResponse.error(400, "invalid_request_error", "context_length_exceeded", "long")),
						Map.of(), Map.of(), "failure", "none", "false"),
				arguments("error object in a 200", List.of(FakeResponse.errorInOk(503, "busy")),
						Map.of("server-error", 1), Map.of(), "success", "openai", "false"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("scenarios")
	void eachScenarioLeavesExactlyItsRetriesFallbacksAndCall(String name, List<FakeResponse> primary,
			Map<String, Integer> retries, Map<String, Integer> fallbacks, String outcome, String servedBy,
			String fallback) {
		this.server.model("gpt-4o").enqueue(primary.toArray(FakeResponse[]::new));
		runner(name.equals(TIMEOUT) ? "1s" : "10s").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			// Some scenarios fail the call: the meters are what matters here.
			StepVerifier.create(llm.chat("summaries", ChatRequest.builder().user("hi").build()).onErrorComplete())
				.thenConsumeWhile((response) -> true)
				.verifyComplete();
			assertMeters(context.getBean(MeterRegistry.class), retries, fallbacks, outcome, servedBy, fallback);
			assertEveryMeterIsCatalogued(context.getBean(MeterRegistry.class));
		});
	}

	@Test
	void openCircuitFallsBackWithoutARequestAndCountsTheReason() {
		runner("10s").run((context) -> {
			context.getBean(CircuitBreakerRegistry.class).circuitBreaker("openai:gpt-4o").transitionToOpenState();
			StepVerifier
				.create(context.getBean(LlmClient.class).chat("summaries", ChatRequest.builder().user("hi").build()))
				.expectNextCount(1)
				.verifyComplete();
			assertMeters(context.getBean(MeterRegistry.class), Map.of(), Map.of("circuit-open", 1), "success", "backup",
					"true");
			assertThat(context.getBean(MeterRegistry.class).find("llm.attempts").tag("provider", "openai").timers())
				.isEmpty();
		});
		assertThat(this.server.requests("gpt-4o")).isEmpty();
	}

	private static void assertMeters(MeterRegistry registry, Map<String, Integer> retries,
			Map<String, Integer> fallbacks, String outcome, String servedBy, String fallback) {
		assertCountsByReason(registry, "llm.retries", retries, "policy", "summaries", "provider", "openai", "model",
				"gpt-4o");
		assertCountsByReason(registry, "llm.fallbacks", fallbacks, "policy", "summaries", "from", "openai:gpt-4o", "to",
				"backup:claude");
		Timer calls = registry.get("llm.calls").timer();
		assertThat(calls.count()).isEqualTo(1);
		assertThat(calls.getId().getTag("outcome")).isEqualTo(outcome);
		assertThat(calls.getId().getTag("provider")).isEqualTo(servedBy);
		assertThat(calls.getId().getTag("fallback")).isEqualTo(fallback);
	}

	/**
	 * Assert that the counters of a name are exactly one per reason, each with the given
	 * tags and count.
	 */
	private static void assertCountsByReason(MeterRegistry registry, String name, Map<String, Integer> counts,
			String... tags) {
		List<Counter> counters = List.copyOf(registry.find(name).counters());
		assertThat(counters).hasSize(counts.size());
		counts.forEach(
				(reason, count) -> assertThat(registry.get(name).tags(tags).tag("reason", reason).counter().count())
					.isEqualTo(count.doubleValue()));
	}

	/**
	 * Every meter of llm-resilience in the registry is one of {@link LlmMeters}, of its
	 * type and with exactly its tag keys: the catalogue the documentation tests compare
	 * with the docs and the dashboard is the list of what is registered.
	 */
	private static void assertEveryMeterIsCatalogued(MeterRegistry registry) {
		List<String> registered = registry.getMeters()
			.stream()
			.map(Meter::getId)
			.filter((id) -> id.getName().startsWith("llm.") || id.getName().startsWith("gen_ai."))
			.map((id) -> id.getName() + " " + id.getType() + " "
					+ id.getTags().stream().map(Tag::getKey).sorted().toList())
			.distinct()
			.toList();
		List<String> catalogued = Arrays.stream(LlmMeters.values())
			.map((meter) -> meter.getName() + " " + meter.getType() + " "
					+ Arrays.stream(meter.getKeyNames()).map(KeyName::asString).sorted().toList())
			.toList();
		assertThat(registered).isNotEmpty();
		assertThat(catalogued).containsAll(registered);
	}

	private ApplicationContextRunner runner(String readTimeout) {
		return llmResilience(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				LlmMetricsAutoConfiguration.class)
			.withPropertyValues("llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
					"llm.providers.openai.read-timeout=" + readTimeout,
					"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
					"llm.defaults.retry.initial-backoff=5ms", "llm.defaults.retry.jitter=0",
					"llm.policies.summaries.provider=openai", "llm.policies.summaries.model=gpt-4o",
					"llm.policies.summaries.retry.max-attempts=3",
					"llm.policies.summaries.fallbacks[0].provider=backup",
					"llm.policies.summaries.fallbacks[0].model=claude");
	}

}
