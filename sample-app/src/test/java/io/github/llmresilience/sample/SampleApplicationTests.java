package io.github.llmresilience.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The sample application in demo mode, with millisecond waits: 50 calls through each
 * endpoint under the seeded chaos mix, with a scripted outage of the primary (calls 21 to
 * 25) so that retries and fallbacks certainly happen.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "demo.chaos.retry-after=20ms", "demo.answer-delay=0ms", "demo.chunk-delay=0ms",
				"llm.defaults.retry.initial-backoff=10ms", "llm.defaults.retry.max-backoff=40ms",
				// The tests share one context, so a retry budget would let how many
				// retries one
				// test's outage gets depend on which tests ran in the same window before
				// it. The
				// budget has behaviour tests of its own.
				"llm.defaults.retry-budget.enabled=false" })
@AutoConfigureWebTestClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SampleApplicationTests {

	private static final int CALLS = 50;

	private static final int OUTAGE_START = 20;

	private static final int OUTAGE_CALLS = 5;

	@Autowired
	private WebTestClient client;

	@Autowired
	private FakeLlmServer server;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private CircuitBreakerRegistry circuitBreakers;

	@Autowired
	private Environment environment;

	private SampleApi api;

	@BeforeEach
	void useTheApi() {
		this.api = new SampleApi(this.client, this.environment);
	}

	/**
	 * What the README promises for the first three summaries of a fresh start with the
	 * default seed: the first is retried once after a 429, the third falls back after a
	 * 503 and two 429s. It runs first, because every request to the primary draws from
	 * the seeded sequence.
	 */
	@Test
	@Order(1)
	void theDefaultSeedRetriesTheFirstSummaryAndFallsBackOnTheThird() {
		List<Summary> summaries = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			summaries.add(this.api.summarise("Anything."));
		}
		assertThat(summaries).extracting(Summary::provider, Summary::attempts, Summary::fallback)
			.containsExactly(tuple("openai", 2, false), tuple("openai", 1, false), tuple("backup", 4, true));
	}

	@Test
	void fiftySummariesAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Summary> summaries = drive("summaries", (i) -> this.api.summarise("Text number " + i + " to summarise."));
		assertEveryCallServedAndTheOutageFellBack(summaries.stream().map(Outcome::of).toList());
		assertRetriesAndFallbacksCounted("summaries");
	}

	@Test
	void fiftyStreamsAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<String> answers = drive("chat", (i) -> {
			List<ServerSentEvent<Delta>> events = this.api.chatEvents("Question number " + i)
				.collectList()
				.block(Duration.ofSeconds(10));
			assertThat(events).isNotEmpty().allSatisfy((event) -> assertThat(event.event()).isNull());
			return String.join("", events.stream().map((event) -> event.data().text()).toList());
		});
		String fallbackAnswer = "A demo answer from " + this.api.fallbackModel("chat") + " on backup,";
		assertThat(answers).hasSize(CALLS)
			.allSatisfy((answer) -> assertThat(answer).startsWith("A demo answer from ").endsWith("around."));
		assertThat(answers.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS))
			.allSatisfy((answer) -> assertThat(answer).startsWith(fallbackAnswer));
		assertRetriesAndFallbacksCounted("chat");
	}

	@Test
	void fiftyBlockingHeadlinesAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Headline> headlines = drive("default",
				(i) -> this.api.headline("Text number " + i + " that needs a headline."));
		assertEveryCallServedAndTheOutageFellBack(headlines.stream().map(Outcome::of).toList());
		assertRetriesAndFallbacksCounted("default");
	}

	@Test
	void fiftyChatClientAnswersAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Answer> answers = drive("default", (i) -> this.api.answer("Question number " + i + "?"));
		assertEveryCallServedAndTheOutageFellBack(answers.stream().map(Outcome::of).toList());
		assertRetriesAndFallbacksCounted("default");
		// What ChatClient sent.
		assertOneMoreQuestionSends("You are a helpful assistant. Answer in a few sentences.",
				() -> this.api.answer("One more question?"));
	}

	@Test
	// Last: its requests to the primary would shift the seeded chaos that the other
	// tests see.
	@Order(Integer.MAX_VALUE)
	void fiftyAiServiceRepliesAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Reply> replies = drive("default", (i) -> reply("Question number " + i + "?"));
		assertEveryCallServedAndTheOutageFellBack(replies.stream().map(Outcome::of).toList());
		assertRetriesAndFallbacksCounted("default");
		// What the AI Service sent.
		assertOneMoreQuestionSends("You are a support agent. Answer in a few sentences.",
				() -> reply("One more question?"));
	}

	/**
	 * Assert the messages that one call asking "One more question?" sent: the system
	 * prompt, then the question. The demo server records nothing; it records this one
	 * call.
	 */
	private void assertOneMoreQuestionSends(String systemPrompt, Runnable call) {
		this.server.recordRequests(true);
		try {
			call.run();
			assertThat(this.server.requests()).last()
				.satisfies((request) -> assertThat(request.json().at("/messages")).satisfiesExactly(
						(system) -> assertThat(system.at("/content").asString()).isEqualTo(systemPrompt),
						(user) -> assertThat(user.at("/content").asString()).isEqualTo("One more question?")));
		}
		finally {
			this.server.recordRequests(false);
		}
	}

	private Reply reply(String question) {
		return this.client.post()
			.uri("/api/replies")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("text", question))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Reply.class)
			.returnResult()
			.getResponseBody();
	}

	@Test
	void embeddingsComeBackInOrderThroughTheChaosAndAnOutageOfThePrimaryFallsBack() {
		List<String> texts = List.of("Cats purr.", "Dogs bark.", "Cows moo.");
		List<Embeddings> results = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			if (i == 5) {
				this.api.outageOfPrimary(this.server, "embeddings", 1);
			}
			results.add(this.api.embed(texts));
		}
		assertThat(results).allSatisfy((embeddings) -> {
			assertThat(embeddings.dimensions()).isEqualTo(256);
			for (int i = 0; i < texts.size(); i++) {
				assertThat(embeddings.vectors().get(i)).containsExactly(FakeLlmServer.embedding(texts.get(i), 256));
			}
		});
		assertThat(results.get(5)).satisfies((embeddings) -> {
			assertThat(embeddings.provider()).isEqualTo("backup");
			assertThat(embeddings.model()).isEqualTo(this.api.fallbackModel("embeddings"));
			assertThat(embeddings.fallback()).isTrue();
			assertThat(embeddings.attempts()).isEqualTo(4);
		});
		assertThat(count("llm.fallbacks", "policy", "embeddings", "to",
				"backup:" + this.api.fallbackModel("embeddings"), "reason", "server-error"))
			.isGreaterThanOrEqualTo(1);
	}

	@Test
	void anEmptyTextIsABadRequestAndNothingIsSent() {
		int before = this.server.requests().size();
		this.client.post()
			.uri("/api/embeddings")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("texts", List.of("fine", "")))
			.exchange()
			.expectStatus()
			.isBadRequest();
		assertThat(this.server.requests()).hasSize(before);
	}

	@Test
	void retriesAndFallbacksShowOnThePrometheusEndpoint() {
		this.api.outageOfPrimary(this.server, "summaries", 1);
		this.api.summarise("Anything.");
		String scrape = this.api.scrape();
		assertThat(scrape).contains("llm_retries_total{", "llm_fallbacks_total{", "llm_calls_seconds_count{");
	}

	/**
	 * Ask for a stream that no target can start, asserting the answer is a 503.
	 */
	private WebTestClient.BodyContentSpec streamThatCannotStart() {
		return this.client.get()
			.uri("/api/chat/stream?prompt={prompt}", "Hello")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody();
	}

	@Test
	void streamThatNoTargetCanStartIsAnHttpError() {
		this.server.model(this.api.model("chat"))
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(this.api.fallbackModel("chat"))
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		streamThatCannotStart().jsonPath("$.kind").isEqualTo("server-error").jsonPath("$.attempts").isEqualTo(6);
	}

	@Test
	void aCallWhoseTargetsAreAllOutIsA503WithRetryAfterUntilTheFirstIsExpectedBack() {
		String primary = this.api.model("chat");
		String fallback = this.api.fallbackModel("chat");
		this.server.model(primary).enqueue(FakeResponse.status(429).retryAfterSeconds(120));
		this.server.model(fallback).enqueue(FakeResponse.status(429).retryAfterSeconds(90));
		try {
			String retryAfter = streamThatCannotStart().jsonPath("$.kind")
				.isEqualTo("rate-limited")
				.returnResult()
				.getResponseHeaders()
				.getFirst("Retry-After");
			// The fallback's server named the earlier end: 90 seconds from its answer.
			assertThat(retryAfter).isNotNull();
			assertThat(Integer.parseInt(retryAfter)).isBetween(85, 90);
			assertThat(this.meters.get("llm.calls").tags("policy", "chat", "outcome", "unavailable").timer().count())
				.isOne();
		}
		finally {
			// The circuits stay open for minutes: the other tests need them closed.
			this.circuitBreakers.circuitBreaker("openai:" + primary).reset();
			this.circuitBreakers.circuitBreaker("backup:" + fallback).reset();
		}
	}

	@Test
	void streamCutAfterItsFirstChunksEndsWithAnErrorEvent() {
		this.server.model(this.api.model("chat"))
			.enqueue(FakeResponse.stream("Once ", "upon ", "a ", "time").breakAfter(2));
		List<ServerSentEvent<Map<String, Object>>> events = this.client.get()
			.uri("/api/chat/stream?prompt={prompt}", "Tell me a story")
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
			})
			.getResponseBody()
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(events).extracting(ServerSentEvent::event, ServerSentEvent::data)
			.containsExactly(tuple(null, Map.of("text", "Once ")), tuple(null, Map.of("text", "upon ")),
					tuple("error", Map.of("kind", "connection", "chunksDelivered", 2)));
	}

	/**
	 * Policy {@code rewrites} runs on a pool of two deployments of one model: each call
	 * picks one, and a deployment that answers 429 hands the call to the other at once.
	 */
	@Test
	void everyRewriteIsServedByAMemberOfThePoolAndARateLimitedOneHandsTheCallToTheOther() {
		String east = this.environment.getProperty("llm.policies.rewrites.pool.members[0].model");
		String west = this.environment.getProperty("llm.policies.rewrites.pool.members[1].model");
		double sidewaysBefore = count("llm.retries", "policy", "rewrites", "provider", "openai", "model", east,
				"reason", "rate-limited");
		this.server.model(east)
			.enqueue(FakeResponse.status(429).retryAfterMillis(20), FakeResponse.status(429).retryAfterMillis(20),
					FakeResponse.status(429).retryAfterMillis(20));
		List<Rewrite> rewrites = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			rewrites.add(this.api.rewrite("Text number " + i + " in long words."));
		}
		assertThat(rewrites).allSatisfy((rewrite) -> {
			assertThat(rewrite.fallback()).isFalse();
			assertThat(tuple(rewrite.provider(), rewrite.model())).isIn(tuple("openai", east), tuple("backup", west));
			assertThat(rewrite.text()).startsWith("A demo answer from " + rewrite.model());
			// The backup deployment answers every request: a call goes to it at once
			// after the other's 429.
			assertThat(rewrite.attempts()).isBetween(1, 2);
		});
		assertThat(rewrites).extracting(Rewrite::provider).contains("openai", "backup");
		assertThat(count("llm.retries", "policy", "rewrites", "provider", "openai", "model", east, "reason",
				"rate-limited") - sidewaysBefore)
			.isGreaterThanOrEqualTo(3);
		assertThat(this.meters.get("llm.pool.member.available")
			.tags("policy", "rewrites", "slot", "primary", "provider", "backup", "model", west)
			.gauge()
			.value()).isEqualTo(1);
	}

	/**
	 * Make the calls one after the other, so that the scripted outage falls on exactly
	 * the calls it is meant for, and check that {@code llm.calls} recorded each as a
	 * success.
	 */
	private <T> List<T> drive(String policy, IntFunction<T> call) {
		Map<String, Long> before = callsByOutcome(policy);
		List<T> results = new ArrayList<>();
		for (int i = 0; i < CALLS; i++) {
			if (i == OUTAGE_START) {
				this.api.outageOfPrimary(this.server, policy, OUTAGE_CALLS);
			}
			results.add(call.apply(i));
		}
		Map<String, Long> after = callsByOutcome(policy);
		before.forEach((outcome, count) -> after.merge(outcome, -count, Long::sum));
		after.values().removeIf((count) -> count == 0);
		assertThat(after).as("llm.calls of policy '%s' by outcome", policy).containsExactly(Map.entry("success", 50L));
		return results;
	}

	/**
	 * Assert that every call was served, in the demo's words of the model that served it,
	 * and that each call of the outage was served by the backup after three attempts on
	 * the primary.
	 */
	private static void assertEveryCallServedAndTheOutageFellBack(List<Outcome> outcomes) {
		assertThat(outcomes).hasSize(CALLS).allSatisfy((outcome) -> {
			assertThat(outcome.provider()).isIn("openai", "backup");
			assertThat(outcome.text()).startsWith("A demo answer from " + outcome.model());
			assertThat(outcome.attempts()).isPositive();
		});
		assertThat(outcomes.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS)).allSatisfy((outcome) -> {
			assertThat(outcome.provider()).isEqualTo("backup");
			assertThat(outcome.fallback()).isTrue();
			// Three on the primary, one on the fallback.
			assertThat(outcome.attempts()).isEqualTo(4);
		});
	}

	private void assertRetriesAndFallbacksCounted(String policy) {
		assertThat(count("llm.retries", "policy", policy, "provider", "openai", "reason", "rate-limited"))
			.isGreaterThanOrEqualTo(OUTAGE_CALLS);
		assertThat(count("llm.retries", "policy", policy, "provider", "openai", "reason", "server-error"))
			.isGreaterThanOrEqualTo(OUTAGE_CALLS);
		assertThat(count("llm.fallbacks", "policy", policy, "to", "backup:" + this.api.fallbackModel(policy), "reason",
				"server-error"))
			.isGreaterThanOrEqualTo(OUTAGE_CALLS);
	}

	/**
	 * Return the number of logical calls of a policy that {@code llm.calls} recorded, by
	 * outcome.
	 */
	private Map<String, Long> callsByOutcome(String policy) {
		Map<String, Long> outcomes = new TreeMap<>();
		for (Timer timer : this.meters.find("llm.calls").tag("policy", policy).timers()) {
			outcomes.merge(timer.getId().getTag("outcome"), timer.count(), Long::sum);
		}
		return outcomes;
	}

	private double count(String name, String... tags) {
		return this.meters.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
	}

	/**
	 * What an endpoint answered: its text and who served it.
	 */
	private record Outcome(String text, String provider, String model, int attempts, boolean fallback) {

		static Outcome of(Summary summary) {
			return new Outcome(summary.summary(), summary.provider(), summary.model(), summary.attempts(),
					summary.fallback());
		}

		static Outcome of(Headline headline) {
			return new Outcome(headline.headline(), headline.provider(), headline.model(), headline.attempts(),
					headline.fallback());
		}

		static Outcome of(Answer answer) {
			return new Outcome(answer.answer(), answer.provider(), answer.model(), answer.attempts(),
					answer.fallback());
		}

		static Outcome of(Reply reply) {
			return new Outcome(reply.reply(), reply.provider(), reply.model(), reply.attempts(), reply.fallback());
		}

	}

}
