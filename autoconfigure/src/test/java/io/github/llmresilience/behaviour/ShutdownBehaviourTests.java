package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.context.SmartLifecycle;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.execution.LlmShutdown;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that shuts down while calls wait out a backoff, a {@code Retry-After} or
 * a pacing wait, or have their exchange in flight (a hanging answer, a stream that
 * stopped after its first chunk): every one of them ends at once with the kind
 * {@code shutdown}, none retried, none sent to a fallback or a fallback method, the
 * circuit breakers record nothing, and no exchange or connection is left open.
 */
class ShutdownBehaviourTests extends BehaviourTestSupport {

	private static final int EACH = 10;

	/**
	 * Each of these waits is far longer than the test: a call that ends must have been
	 * ended by the shutdown.
	 */
	private static final String[] PROPERTIES = { "llm.providers.paced.base-url=",
			"llm.providers.paced.rate-limit.requests-per-minute=1", "llm.policies.backoff.provider=openai",
			"llm.policies.backoff.model=backoff-model", "llm.policies.backoff.retry.initial-backoff=60s",
			"llm.policies.backoff.fallbacks[0].provider=backup", "llm.policies.backoff.fallbacks[0].model=" + FALLBACK,
			"llm.policies.retry-after.provider=openai", "llm.policies.retry-after.model=retry-after-model",
			"llm.policies.retry-after.retry.max-retry-after=120s",
			"llm.policies.retry-after.fallbacks[0].provider=backup",
			"llm.policies.retry-after.fallbacks[0].model=" + FALLBACK, "llm.policies.paced.provider=paced",
			"llm.policies.paced.model=paced-model", "llm.policies.paced.retry.max-retry-after=120s",
			"llm.policies.paced.fallbacks[0].provider=backup", "llm.policies.paced.fallbacks[0].model=" + FALLBACK,
			"llm.policies.story.provider=openai", "llm.policies.story.model=story-model",
			"llm.policies.story.fallbacks[0].provider=backup", "llm.policies.story.fallbacks[0].model=" + FALLBACK };

	@Test
	void closingTheApplicationEndsEveryWaitingAndInFlightCallAtOnceWithTheKindShutdown() {
		this.server.model("backoff-model").thenAlways(FakeResponse.status(503));
		this.server.model("retry-after-model").thenAlways(FakeResponse.status(429).retryAfterSeconds(60));
		this.server.model("paced-model").thenAlways(FakeResponse.ok("Paced."));
		this.server.model("story-model").thenAlways(FakeResponse.ok("Once upon a time").hangAfter(1));
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("From the backup."));
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		AtomicInteger answered = new AtomicInteger();
		AtomicInteger chunks = new AtomicInteger();
		runner(properties()).run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			Summarizer summarizer = context.getBean(Summarizer.class);
			LlmExecutor executor = context.getBean(LlmExecutor.class);
			CircuitBreakerRegistry circuitBreakers = context.getBean(CircuitBreakerRegistry.class);
			// The one request a minute of the paced provider goes first; every other
			// paced call then waits for the next.
			assertThat(llm.chat("paced", request("first")).block(Duration.ofSeconds(10))).isNotNull();
			List<Mono<?>> calls = new ArrayList<>();
			for (int i = 0; i < EACH; i++) {
				calls.add(llm.chat("backoff", request("backoff " + i)));
				calls.add(llm.chat("retry-after", request("retry-after " + i)));
				calls.add(llm.chat("paced", request("paced " + i)));
				// A stream that stopped after its first chunk, and an @LlmCall method
				// whose fallback method would answer if its call fell back.
				calls.add(llm.stream("story", request("story " + i))
					.doOnNext((chunk) -> chunks.incrementAndGet())
					.then());
				calls.add(summarizer.summariseOrCached("in flight " + i));
			}
			calls.forEach((call) -> call.subscribe((value) -> answered.incrementAndGet(), failures::add,
					answered::incrementAndGet));
			await("every call waits or is in flight",
					() -> executor.callsInFlight() == 5 * EACH && this.server.requests("backoff-model").size() == EACH
							&& this.server.requests("retry-after-model").size() == EACH
							&& this.server.activeExchanges() == 2 * EACH && chunks.get() == EACH);
			assertThat(failures).isEmpty();
			assertThat(this.server.openConnections()).isGreaterThanOrEqualTo(2 * EACH);
			long closing = System.nanoTime();
			context.close();
			Duration closed = Duration.ofNanos(System.nanoTime() - closing);
			// At once: not after any wait of the test's policies (a minute each).
			assertThat(closed).isLessThan(Duration.ofSeconds(10));
			await("every call ended", () -> failures.size() == 5 * EACH);
			assertThat(answered).hasValue(0);
			assertThat(failures).allSatisfy((failure) -> {
				assertThat(failure).isInstanceOf(LlmException.class);
				assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.SHUTDOWN);
			});
			// Nothing retried, nothing sent to the fallback; the fallback method did not
			// answer.
			assertThat(this.server.requests("backoff-model")).hasSize(EACH);
			assertThat(this.server.requests("retry-after-model")).hasSize(EACH);
			assertThat(this.server.requests("paced-model")).hasSize(1);
			assertThat(fallbackRequests()).isEmpty();
			for (CircuitBreaker circuitBreaker : circuitBreakers.getAllCircuitBreakers()) {
				assertThat(circuitBreaker.getMetrics().getNumberOfFailedCalls()).as(circuitBreaker.getName()).isZero();
				assertThat(circuitBreaker.getState()).as(circuitBreaker.getName())
					.isEqualTo(CircuitBreaker.State.CLOSED);
			}
			// The exchanges in flight were cancelled, and no connection is left open.
			await("no exchange or connection left",
					() -> this.server.activeExchanges() == 0 && this.server.openConnections() == 0);
			assertThat(this.server.abandonedExchanges()).isEqualTo(2 * EACH);
			assertThat(executor.callsInFlight()).isZero();
			assertThat(LiveThreads.named("llm-")).isEmpty();
			// A call made after the shutdown fails at once, without a request.
			int requests = this.server.requests().size();
			LlmException late = failure(llm.chat("default", request("late")));
			assertThat(late.kind()).isEqualTo(FailureKind.SHUTDOWN);
			assertThat(late.attempts()).isZero();
			assertThat(this.server.requests()).hasSize(requests);
		});
	}

	@Test
	void aWebRequestThatEndsWithinTheGracefulShutdownKeepsItsCallAndTheCallsLeftEndWithShutdownAfterIt() {
		this.server.model("slow-model").thenAlways(FakeResponse.ok("Done.").delay(Duration.ofMillis(1500)));
		this.server.model("retry-after-model").thenAlways(FakeResponse.status(429).retryAfterSeconds(60));
		AskController.failures.clear();
		ConfigurableApplicationContext application = new SpringApplicationBuilder(WebApplication.class)
			.web(WebApplicationType.REACTIVE)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.properties("server.port=0", "server.shutdown=graceful", "spring.lifecycle.timeout-per-shutdown-phase=4s",
					"llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
					"llm.providers.openai.api-key=sk-primary-key", "llm.policies.slow.provider=openai",
					"llm.policies.slow.model=slow-model", "llm.policies.waiting.provider=openai",
					"llm.policies.waiting.model=retry-after-model", "llm.policies.waiting.retry.max-retry-after=120s")
			.run();
		int port = ((WebServerApplicationContext) application).getWebServer().getPort();
		WebClient web = WebClient.create("http://127.0.0.1:" + port);
		Queue<String> answers = new ConcurrentLinkedQueue<>();
		Queue<Throwable> webFailures = new ConcurrentLinkedQueue<>();
		web.get().uri("/ask/slow").retrieve().bodyToMono(String.class).subscribe(answers::add, webFailures::add);
		web.get().uri("/ask/waiting").retrieve().bodyToMono(String.class).subscribe(answers::add, webFailures::add);
		await("both web requests wait on their calls", () -> this.server.requests("slow-model").size() == 1
				&& this.server.requests("retry-after-model").size() == 1);
		long closing = System.nanoTime();
		application.close();
		Duration closed = Duration.ofNanos(System.nanoTime() - closing);
		// The web request whose call answers within the graceful shutdown gets its
		// answer;
		// the one still waiting out its Retry-After when the phase ends fails, with a
		// shutdown call.
		await("both web requests ended", () -> answers.size() + webFailures.size() == 2);
		assertThat(answers).containsExactly("Done.");
		assertThat(AskController.failures).singleElement()
			.satisfies((failure) -> assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.SHUTDOWN));
		// The graceful phase waited for the request still in progress, as long as it
		// may; no longer than the minute of its Retry-After.
		assertThat(closed).isGreaterThanOrEqualTo(Duration.ofSeconds(3)).isLessThan(Duration.ofSeconds(30));
		assertThat(this.server.requests("retry-after-model")).hasSize(1);
	}

	@Test
	void theCallsEndOnceTheWebServerHasShutDownGracefullyAndBeforeItStops() {
		// Lifecycles stop from the highest phase down; the web server itself stops at
		// SmartLifecycle.DEFAULT_PHASE - 2048 (WebServerStartStopLifecycle).
		assertThat(LlmShutdown.PHASE).isLessThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE)
			.isGreaterThan(SmartLifecycle.DEFAULT_PHASE - 2048);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(AskController.class)
	static class WebApplication {

	}

	@RestController
	static class AskController {

		static final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

		private final LlmClient llm;

		AskController(LlmClient llm) {
			this.llm = llm;
		}

		@GetMapping("/ask/{policy}")
		Mono<String> ask(@PathVariable String policy) {
			return this.llm.chat(policy, request("Ask " + policy))
				.map((response) -> String.valueOf(response.content()))
				.doOnError(failures::add);
		}

	}

	private String[] properties() {
		String[] properties = PROPERTIES.clone();
		properties[0] = properties[0] + this.server.baseUrl("paced");
		return properties;
	}

	private static ChatRequest request(String text) {
		return ChatRequest.builder().user(text).build();
	}

	private static void await(String what, Supplier<Boolean> condition) {
		Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(condition::get);
	}

}
