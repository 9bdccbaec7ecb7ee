package io.github.llmresilience.behaviour;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.autoconfigure.LlmEndpointAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;
import io.github.llmresilience.testkit.TestClock;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the starter against {@link FakeLlmServer} on real sockets, in real time with
 * millisecond settings: two providers on one server, {@code openai} (path
 * {@code /openai/v1}) and {@code backup} (path {@code /backup/v1}).
 *
 * <p>
 * How these tests treat time, so that they pass on a loaded machine and still fail when
 * the behaviour is wrong:
 * <ul>
 * <li>What a user relies on is asserted exactly: how many requests each target received,
 * in what order, who served, what the caller got, the meters.</li>
 * <li>A gap between two requests is never shorter than the wait between them, so its
 * lower bound is exact: the server records a request before it answers it, and the client
 * starts waiting only once it has read that answer. Load only ever makes a gap longer.
 * The one exception is a wait that starts when the client writes the request, a read or
 * first-chunk timeout: the server may record that request up to {@link #IN_TRANSIT} after
 * the write, so such gaps are checked with {@link #assertGapsAfterTimeouts}.</li>
 * <li>An upper bound tells the right wait from a wrong one, not a fast machine from a
 * slow one: a gap may be {@link #SLOW} longer than its wait, and the settings here keep
 * every wrong wait at least twice that long (the library's default backoff is 2s,
 * {@code max-retry-after} is 2s, and the read timeouts are 10s unless a test is about
 * them). A test whose own wait would come within scheduling noise of a wrong one scales
 * its waits up instead.</li>
 * <li>The timing arithmetic itself (backoff and multiplier, jitter, {@code Retry-After},
 * {@code max-elapsed}, deadlines, the circuit breaker's open state) is checked exactly in
 * virtual time by the engine's tests ({@code LlmExecutorTests},
 * {@code RetryDeciderTests}); here it is enough to see that a user's settings reach
 * it.</li>
 * <li>Nothing depends on which of two things happens first in real time: a circuit
 * breaker's open state is timed by a {@link TestClock} the test moves
 * ({@link #runner(TestClock, String...)}), conditions are awaited with Awaitility, and
 * "nothing more happens" is {@code await().during(...)}. No test sleeps.</li>
 * </ul>
 */
public abstract class BehaviourTestSupport {

	protected static final String PRIMARY = "gpt-4o";

	protected static final String FALLBACK = "claude-3-5-haiku";

	/**
	 * How much longer than its wait a gap between two requests may be: what a loaded
	 * machine adds (scheduling, a new connection, a garbage collection), and half the
	 * shortest wrong wait these settings allow.
	 */
	protected static final Duration SLOW = Duration.ofSeconds(1);

	/**
	 * How long after the client wrote a request the server may record it (60ms and more
	 * seen on a loaded machine); only waits that start at that write, timeouts, are
	 * measured from it.
	 */
	protected static final Duration IN_TRANSIT = Duration.ofMillis(250);

	/**
	 * The embedding model of policy {@code embeddings}'s primary, on {@code openai}.
	 */
	protected static final String EMBEDDING = "text-embedding-3-small";

	/**
	 * The same model under another name on {@code backup}: policy {@code embeddings}'s
	 * fallback.
	 */
	protected static final String BACKUP_EMBEDDING = "text-embedding-3-small-eu";

	/**
	 * Meters as with Actuator: {@code llm.calls} and {@code llm.attempts} come from
	 * observations.
	 */
	protected static final AutoConfigurations METERS = AutoConfigurations.of(ObservationAutoConfiguration.class,
			MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
			SimpleMetricsExportAutoConfiguration.class, LlmMetricsAutoConfiguration.class);

	/**
	 * The request of the tests' calls.
	 */
	protected static final ChatRequest REQUEST = ChatRequest.builder().user("Summarise this.").build();

	/**
	 * A prompt of 2,000 characters: at least 500 tokens by any count.
	 */
	protected static final ChatRequest LONG = ChatRequest.builder().user("word ".repeat(400)).build();

	protected final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	protected void stopServer() {
		this.server.close();
	}

	protected ApplicationContextRunner runner(String... properties) {
		List<String> all = new ArrayList<>(List.of("llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
				"llm.providers.openai.api-key=sk-primary-key", "llm.providers.openai.read-timeout=10s",
				"llm.providers.openai.first-chunk-timeout=10s", "llm.providers.openai.stream-idle-timeout=10s",
				"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
				"llm.providers.backup.api-key=sk-backup-key", "llm.defaults.retry.initial-backoff=20ms",
				"llm.defaults.retry.jitter=0", "llm.defaults.retry.max-retry-after=2s",
				"llm.policies.default.provider=openai", "llm.policies.default.model=" + PRIMARY,
				"llm.policies.summaries.provider=openai", "llm.policies.summaries.model=" + PRIMARY,
				"llm.policies.summaries.retry.max-attempts=3", "llm.policies.summaries.fallbacks[0].provider=backup",
				"llm.policies.summaries.fallbacks[0].model=" + FALLBACK, "llm.policies.streaming.provider=openai",
				"llm.policies.streaming.model=" + PRIMARY, "llm.policies.streaming.fallbacks[0].provider=backup",
				"llm.policies.streaming.fallbacks[0].model=" + FALLBACK, "llm.policies.parsing.provider=openai",
				"llm.policies.parsing.model=" + PRIMARY,
				"llm.policies.parsing.retry.retry-on-exceptions=java.lang.NumberFormatException"));
		all.addAll(List.of(properties));
		return llmResilience().withUserConfiguration(Services.class).withPropertyValues(all.toArray(String[]::new));
	}

	/**
	 * A runner whose engine reads the given clock: circuit breakers stay open until the
	 * test moves it past the end of their open state, however long the calls in between
	 * take.
	 */
	protected ApplicationContextRunner runner(TestClock clock, String... properties) {
		return runner(properties).withBean(LlmResilienceAutoConfiguration.CLOCK_BEAN, Clock.class, () -> clock);
	}

	/**
	 * A runner with the starter's meters in a {@link SimpleMeterRegistry} and the
	 * {@code llm} actuator endpoint.
	 */
	protected ApplicationContextRunner metered(String... properties) {
		return runner(properties)
			.withConfiguration(
					AutoConfigurations.of(LlmMetricsAutoConfiguration.class, LlmEndpointAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("management.endpoints.web.exposure.include=llm");
	}

	/**
	 * A runner in which a second request to the primary waits for a connection longer
	 * than {@code llm.providers.openai.pending-acquire-timeout} (100ms): the primary's
	 * first answer takes two seconds, holding its connection; the fallback answers
	 * {@code fallback} at once; and a single failure would open the primary's circuit.
	 * @param properties the connection limits and other settings
	 * @return the runner
	 */
	protected ApplicationContextRunner waitingForAConnection(String... properties) {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("slow").delay(Duration.ofSeconds(2)));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		return runner(properties).withPropertyValues("llm.providers.openai.pending-acquire-timeout=100ms",
				"llm.defaults.circuit-breaker.minimum-number-of-calls=1",
				"llm.defaults.circuit-breaker.sliding-window-size=1");
	}

	/**
	 * A runner with meters and policy {@code embeddings}: {@link #EMBEDDING} on
	 * {@code openai} with 2 attempts, then the same model family
	 * ({@link #BACKUP_EMBEDDING}) on {@code backup}.
	 */
	protected ApplicationContextRunner embeddingsRunner(String... properties) {
		List<String> all = new ArrayList<>(List.of("llm.policies.embeddings.type=embeddings",
				"llm.policies.embeddings.provider=openai", "llm.policies.embeddings.model=" + EMBEDDING,
				"llm.policies.embeddings.retry.max-attempts=2", "llm.policies.embeddings.fallbacks[0].provider=backup",
				"llm.policies.embeddings.fallbacks[0].model=" + BACKUP_EMBEDDING,
				"llm.policies.embeddings.fallbacks[0].model-family=" + EMBEDDING));
		all.addAll(List.of(properties));
		return runner(all.toArray(String[]::new)).withConfiguration(METERS);
	}

	/**
	 * An answer whose rate-limit headers say the requests are used up until the given
	 * reset, as OpenAI sends them:
	 * https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
	 */
	protected static FakeResponse usedUp(String reset) {
		return FakeResponse.ok("the last one for now")
			.header("x-ratelimit-limit-requests", "60")
			.header("x-ratelimit-remaining-requests", "0")
			.header("x-ratelimit-reset-requests", reset)
			.header("x-ratelimit-limit-tokens", "150000")
			.header("x-ratelimit-remaining-tokens", "149984")
			.header("x-ratelimit-reset-tokens", "6ms");
	}

	/**
	 * The vector {@link FakeLlmServer} answers for a text, of its default size.
	 */
	protected static float[] vectorOf(String text) {
		return FakeLlmServer.embedding(text, FakeLlmServer.DEFAULT_DIMENSIONS);
	}

	/**
	 * Run a test on the {@link LlmClient} of an application with these properties.
	 */
	protected void withClient(Consumer<LlmClient> test, String... properties) {
		runner(properties).run((context) -> test.accept(context.getBean(LlmClient.class)));
	}

	/**
	 * A call of {@link #REQUEST} under policy {@code summaries}.
	 */
	protected static Mono<ChatResponse> summaries(LlmClient llm) {
		return llm.chat("summaries", REQUEST);
	}

	/**
	 * Assert that a call ends as {@code context-length} without a request sent, for every
	 * target it had left was passed over as too small for its prompt.
	 * @return the failure, for more assertions
	 */
	protected static LlmException assertPassedOverAsTooLong(Mono<?> call) {
		LlmException failure = failure(call);
		assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH);
		assertThat(failure.requestSent()).isFalse();
		return failure;
	}

	/**
	 * Assert that a call answers once, served as given, within 10 seconds.
	 */
	protected static void served(Mono<ChatResponse> call, Served served) {
		StepVerifier.create(call)
			.assertNext((response) -> assertThat(response.served()).isEqualTo(served))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	/**
	 * The {@link LlmException} a call fails with, within 10 seconds; the test fails if it
	 * answers or fails otherwise.
	 */
	protected static LlmException failure(Mono<?> call) {
		LlmException[] failure = new LlmException[1];
		StepVerifier.create(call)
			.expectErrorSatisfies((error) -> failure[0] = (LlmException) error)
			.verify(Duration.ofSeconds(10));
		return failure[0];
	}

	/**
	 * Assert that a call that waits for its answer fails at once on a non-blocking
	 * thread, saying so and what to do instead, and sends nothing.
	 * @param blockingCall the call
	 * @param advice what the message must also say
	 */
	protected void assertRefusedOnANonBlockingThread(Callable<?> blockingCall, String... advice) {
		StepVerifier.create(Mono.fromCallable(blockingCall).subscribeOn(Schedulers.parallel()))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("non-blocking thread parallel-")
				.hasMessageContaining("Schedulers.boundedElastic()")
				.message()
				.contains(advice))
			.verify(Duration.ofSeconds(10));
		assertThat(this.server.requests()).isEmpty();
	}

	/**
	 * Assert what the server received for an embedding call of policy {@code embeddings}
	 * whose first request was answered 429 with a {@code Retry-After}: the call's inputs
	 * twice, to {@link #EMBEDDING}, the second at least the server's wait after the
	 * first, and nothing else.
	 * @param inputs the call's inputs
	 * @param retryAfter the server's wait
	 */
	protected void assertEmbeddingSentAgainAfterRetryAfter(List<String> inputs, Duration retryAfter) {
		List<RecordedRequest> requests = this.server.requests(EMBEDDING);
		assertThat(requests).hasSize(2).extracting(RecordedRequest::inputs).containsOnly(inputs);
		assertThat(FakeLlmServer.gaps(requests).get(0)).isGreaterThanOrEqualTo(retryAfter);
		assertThat(this.server.requests()).hasSize(2);
	}

	/**
	 * Assert what the primary received in a tool loop of a framework's model whose second
	 * round was retried once: the first request offers the {@code weather} tool (one
	 * {@code city} string); the second sends back the assistant's call {@code call_1} for
	 * Paris and the tool's result; the retry sends it again unchanged.
	 * @param toolResult the tool's result as the request carries it
	 * @return the three requests, for what else a test checks
	 */
	protected List<RecordedRequest> assertWeatherToolLoopRequests(String toolResult) {
		List<RecordedRequest> requests = primaryRequests();
		assertThat(requests).hasSize(3);
		JsonNode first = requests.get(0).json();
		assertThat(first.at("/tools/0/type").asString()).isEqualTo("function");
		assertThat(first.at("/tools/0/function/name").asString()).isEqualTo("weather");
		assertThat(first.at("/tools/0/function/description").asString()).isEqualTo("The current weather in a city");
		assertThat(first.at("/tools/0/function/parameters/properties/city/type").asString()).isEqualTo("string");
		assertThat(requests.get(2).body()).isEqualTo(requests.get(1).body());
		JsonNode second = requests.get(1).json();
		assertThat(second.at("/messages")).hasSize(3);
		assertWeatherToolCallAnswered(second);
		assertThat(second.at("/messages/2/content").asString()).isEqualTo(toolResult);
		return requests;
	}

	/**
	 * Assert that a tool loop's second request sends back the assistant's call
	 * {@code call_1} of the {@code weather} tool for Paris, then the tool's result.
	 * @param second the second request's body
	 */
	protected static void assertWeatherToolCallAnswered(JsonNode second) {
		assertThat(second.at("/messages/1/role").asString()).isEqualTo("assistant");
		assertThat(second.at("/messages/1/tool_calls/0/id").asString()).isEqualTo("call_1");
		assertThat(second.at("/messages/1/tool_calls/0/function/name").asString()).isEqualTo("weather");
		assertThat(second.at("/messages/1/tool_calls/0/function/arguments").asString())
			.isEqualTo("{\"city\":\"Paris\"}");
		assertThat(second.at("/messages/2/role").asString()).isEqualTo("tool");
		assertThat(second.at("/messages/2/tool_call_id").asString()).isEqualTo("call_1");
	}

	/**
	 * Script the weather tool loop on the primary: the model asks for the {@code weather}
	 * tool ({@code call_1}) in a city, answers the request that carries the tool's result
	 * with a 429 that asks to wait, then answers the retry.
	 * @param city the city the model asks the weather of
	 * @param retryAfterMillis the wait the 429 asks for
	 * @param answer the model's last answer
	 */
	protected void scriptWeatherToolLoop(String city, long retryAfterMillis, String answer) {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.ok("").toolCall("call_1", "weather", "{\"city\":\"" + city + "\"}"),
					FakeResponse.status(429).retryAfterMillis(retryAfterMillis), FakeResponse.ok(answer));
	}

	/**
	 * Assert that a stream was interrupted after some chunks, as the caller sees it.
	 * @param error what the stream ended with
	 * @param kind the kind of the failure
	 * @param partialText the text the caller was given
	 * @return the interruption, for what else a test checks
	 */
	protected static LlmStreamInterruptedException assertInterrupted(Throwable error, FailureKind kind,
			String partialText) {
		assertThat(error).isInstanceOf(LlmStreamInterruptedException.class);
		LlmStreamInterruptedException interrupted = (LlmStreamInterruptedException) error;
		assertThat(interrupted.kind()).isEqualTo(kind);
		assertThat(interrupted.partialText()).isEqualTo(partialText);
		return interrupted;
	}

	/**
	 * Assert that the meters timed one call, with these tags among the timer's own.
	 * @param meters the meters
	 * @param tags the tags, as keys each followed by its value (as Micrometer's
	 * {@code tags(String...)} takes them)
	 */
	protected static void assertOneCallTimed(MeterRegistry meters, String... tags) {
		Timer calls = meters.get("llm.calls").timer();
		assertThat(calls.count()).isEqualTo(1);
		for (int i = 0; i < tags.length; i += 2) {
			assertThat(calls.getId().getTag(tags[i])).as(tags[i]).isEqualTo(tags[i + 1]);
		}
	}

	protected List<RecordedRequest> primaryRequests() {
		return this.server.requests(PRIMARY);
	}

	protected List<RecordedRequest> fallbackRequests() {
		return this.server.requests(FALLBACK);
	}

	/**
	 * Assert the gaps between requests that each followed an answer to the one before:
	 * each at least its wait, and at most {@link #SLOW} more.
	 */
	protected static void assertGaps(List<RecordedRequest> requests, Duration... waits) {
		assertGaps(requests, Duration.ZERO, waits);
	}

	/**
	 * Assert the gaps between requests that each followed a timeout of the one before,
	 * whose clock started when the client wrote it: each at least its wait less
	 * {@link #IN_TRANSIT}, and at most {@link #SLOW} more.
	 */
	protected static void assertGapsAfterTimeouts(List<RecordedRequest> requests, Duration... waits) {
		assertGaps(requests, IN_TRANSIT, waits);
	}

	private static void assertGaps(List<RecordedRequest> requests, Duration early, Duration... waits) {
		List<Duration> gaps = FakeLlmServer.gaps(requests);
		assertThat(gaps).hasSize(waits.length);
		for (int i = 0; i < waits.length; i++) {
			assertThat(gaps.get(i)).as("gap %d after a wait of %s", i, waits[i])
				.isBetween(waits[i].minus(early), waits[i].plus(SLOW));
		}
	}

	/**
	 * Assert that a request followed another without a wait: a wrong wait here would be
	 * at least twice {@link #SLOW}.
	 */
	protected static void assertFollowedAtOnce(RecordedRequest first, RecordedRequest next) {
		assertThat(Duration.ofNanos(next.receivedNanos() - first.receivedNanos())).isBetween(Duration.ZERO, SLOW);
	}

	@Configuration(proxyBeanMethods = false)
	static class Services {

		@Bean
		Summarizer summarizer(LlmClient llm) {
			return new Summarizer(llm);
		}

	}

}
