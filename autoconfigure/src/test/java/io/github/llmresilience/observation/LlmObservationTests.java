package io.github.llmresilience.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.webclient.autoconfigure.WebClientObservationAutoConfiguration;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code llm.calls} and {@code llm.attempts} are observations, so a tracer gets a span
 * per call with a child span per attempt.
 */
class LlmObservationTests {

	private final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	void stop() {
		this.server.close();
	}

	@Test
	void eachCallIsAnObservationWithAChildObservationPerAttempt() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		List<Observation.Context> contexts = stoppedContexts(registry);
		this.server.model("gpt-4o").enqueue(FakeResponse.status(503), FakeResponse.status(503));
		callOnce(registry, "llm.providers.openai.base-url=" + this.server.baseUrl(),
				"llm.policies.default.model=gpt-4o", "llm.defaults.retry.initial-backoff=5ms");
		TestObservationRegistryAssert.assertThat(registry)
			.hasNumberOfObservationsWithNameEqualTo("llm.calls", 1)
			.hasNumberOfObservationsWithNameEqualTo("llm.attempts", 3)
			.hasObservationWithNameEqualTo("llm.calls")
			.that()
			.hasContextualNameEqualTo("llm call default")
			.hasLowCardinalityKeyValue("outcome", "success")
			.hasBeenStarted()
			.hasBeenStopped();
		Observation.Context call = named(contexts, "llm.calls").get(0);
		List<Observation.Context> attempts = named(contexts, "llm.attempts");
		assertThat(attempts)
			.allSatisfy((attempt) -> assertThat(attempt.getParentObservation().getContextView()).isSameAs(call));
		assertThat(attempts).extracting((attempt) -> attempt.getLowCardinalityKeyValue("result").getValue())
			.containsExactly("server-error", "server-error", "success");
		List<Observation.Context> requests = named(contexts, "http.client.requests");
		assertThat(requests).hasSize(3);
		assertThat(requests).allSatisfy((request) -> assertThat(attempts)
			.contains((Observation.Context) request.getParentObservation().getContextView()));
	}

	@Test
	void aHedgeIsAnAttemptObservationUnderTheCallNextToTheOneItRaced() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		List<Observation.Context> contexts = stoppedContexts(registry);
		this.server.model("gpt-4o").enqueue(FakeResponse.ok("slow").delay(Duration.ofSeconds(5)));
		this.server.model("claude").enqueue(FakeResponse.ok("hedge"));
		callOnce(registry, "llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
				"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
				"llm.policies.default.provider=openai", "llm.policies.default.model=gpt-4o",
				"llm.policies.default.fallbacks[0].provider=backup", "llm.policies.default.fallbacks[0].model=claude",
				"llm.policies.default.hedge.enabled=true", "llm.policies.default.hedge.delay=100ms");
		await().atMost(Duration.ofSeconds(3)).until(() -> named(contexts, "llm.attempts").size() == 2);
		Observation.Context call = named(contexts, "llm.calls").get(0);
		List<Observation.Context> attempts = named(contexts, "llm.attempts");
		assertThat(attempts)
			.allSatisfy((attempt) -> assertThat(attempt.getParentObservation().getContextView()).isSameAs(call));
		assertThat(attempts)
			.extracting((attempt) -> attempt.getLowCardinalityKeyValue("provider").getValue() + " "
					+ attempt.getLowCardinalityKeyValue("result").getValue() + " hedge="
					+ attempt.getHighCardinalityKeyValue("hedge").getValue())
			.containsExactlyInAnyOrder("backup success hedge=true", "openai cancelled hedge=false");
		assertThat(call.getLowCardinalityKeyValue("provider").getValue()).isEqualTo("backup");
	}

	/**
	 * Record every observation the registry stops, in the order they stop.
	 */
	private static List<Observation.Context> stoppedContexts(TestObservationRegistry registry) {
		List<Observation.Context> contexts = new CopyOnWriteArrayList<>();
		registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStop(Observation.Context context) {
				contexts.add(context);
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		return contexts;
	}

	private static List<Observation.Context> named(List<Observation.Context> contexts, String name) {
		return contexts.stream().filter((context) -> name.equals(context.getName())).toList();
	}

	/**
	 * Make one call of the default policy, which succeeds, in an application observed by
	 * the registry, with {@code WebClient}'s observations on.
	 */
	private static void callOnce(ObservationRegistry registry, String... properties) {
		llmResilience(WebClientObservationAutoConfiguration.class).withBean(ObservationRegistry.class, () -> registry)
			.withPropertyValues(properties)
			.run((context) -> StepVerifier
				.create(context.getBean(LlmClient.class).chat(ChatRequest.builder().user("hi").build()))
				.expectNextCount(1)
				.verifyComplete());
	}

}
