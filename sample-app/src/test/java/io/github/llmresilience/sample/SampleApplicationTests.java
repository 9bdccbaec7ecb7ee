package io.github.llmresilience.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
				"llm.defaults.retry.initial-backoff=10ms", "llm.defaults.retry.max-backoff=40ms" })
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
	private Environment environment;

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
			summaries.add(this.client.post()
				.uri("/api/summaries")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("text", "Anything."))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(Summary.class)
				.returnResult()
				.getResponseBody());
		}
		assertThat(summaries).extracting(Summary::provider, Summary::attempts, Summary::fallback)
			.containsExactly(tuple("openai", 2, false), tuple("openai", 1, false), tuple("backup", 4, true));
	}

	@Test
	void fiftySummariesAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Summary> summaries = drive("summaries",
				(i) -> this.client.post()
					.uri("/api/summaries")
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("text", "Text number " + i + " to summarise."))
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody(Summary.class)
					.returnResult()
					.getResponseBody());
		assertThat(summaries).hasSize(CALLS).allSatisfy((summary) -> {
			assertThat(summary.provider()).isIn("openai", "backup");
			assertThat(summary.summary()).startsWith("A demo answer from " + summary.model());
			assertThat(summary.attempts()).isPositive();
		});
		assertThat(summaries.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS)).allSatisfy((summary) -> {
			assertThat(summary.provider()).isEqualTo("backup");
			assertThat(summary.fallback()).isTrue();
			// Three on the primary, one on the fallback.
			assertThat(summary.attempts()).isEqualTo(4);
		});
		assertRetriesAndFallbacksCounted("summaries");
	}

	@Test
	void fiftyStreamsAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<String> answers = drive("chat", (i) -> {
			List<ServerSentEvent<Delta>> events = this.client.get()
				.uri("/api/chat/stream?prompt={prompt}", "Question number " + i)
				.accept(MediaType.TEXT_EVENT_STREAM)
				.exchange()
				.expectStatus()
				.isOk()
				.returnResult(new ParameterizedTypeReference<ServerSentEvent<Delta>>() {
				})
				.getResponseBody()
				.collectList()
				.block(Duration.ofSeconds(10));
			assertThat(events).isNotEmpty().allSatisfy((event) -> assertThat(event.event()).isNull());
			return String.join("", events.stream().map((event) -> event.data().text()).toList());
		});
		String fallbackAnswer = "A demo answer from " + fallbackModel("chat") + " on backup,";
		assertThat(answers).hasSize(CALLS)
			.allSatisfy((answer) -> assertThat(answer).startsWith("A demo answer from ").endsWith("around."));
		assertThat(answers.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS))
			.allSatisfy((answer) -> assertThat(answer).startsWith(fallbackAnswer));
		assertRetriesAndFallbacksCounted("chat");
	}

	@Test
	void fiftyBlockingHeadlinesAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Headline> headlines = drive("default",
				(i) -> this.client.post()
					.uri("/api/headlines")
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("text", "Text number " + i + " that needs a headline."))
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody(Headline.class)
					.returnResult()
					.getResponseBody());
		assertThat(headlines).hasSize(CALLS).allSatisfy((headline) -> {
			assertThat(headline.provider()).isIn("openai", "backup");
			assertThat(headline.headline()).startsWith("A demo answer from " + headline.model());
		});
		assertThat(headlines.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS)).allSatisfy((headline) -> {
			assertThat(headline.provider()).isEqualTo("backup");
			assertThat(headline.fallback()).isTrue();
			assertThat(headline.attempts()).isEqualTo(4);
		});
		assertRetriesAndFallbacksCounted("default");
	}

	@Test
	void fiftyChatClientAnswersAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Answer> answers = drive("default",
				(i) -> this.client.post()
					.uri("/api/answers")
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("text", "Question number " + i + "?"))
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody(Answer.class)
					.returnResult()
					.getResponseBody());
		assertThat(answers).hasSize(CALLS).allSatisfy((answer) -> {
			assertThat(answer.provider()).isIn("openai", "backup");
			assertThat(answer.answer()).startsWith("A demo answer from " + answer.model());
			assertThat(answer.attempts()).isPositive();
		});
		assertThat(answers.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS)).allSatisfy((answer) -> {
			assertThat(answer.provider()).isEqualTo("backup");
			assertThat(answer.fallback()).isTrue();
			assertThat(answer.attempts()).isEqualTo(4);
		});
		assertRetriesAndFallbacksCounted("default");
		// The demo server records nothing; this one call it records shows what ChatClient
		// sent.
		this.server.recordRequests(true);
		try {
			this.client.post()
				.uri("/api/answers")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("text", "One more question?"))
				.exchange()
				.expectStatus()
				.isOk();
			assertThat(this.server.requests()).last()
				.satisfies((request) -> assertThat(request.json().at("/messages")).satisfiesExactly(
						(system) -> assertThat(system.at("/content").asString())
							.isEqualTo("You are a helpful assistant. Answer in a few sentences."),
						(user) -> assertThat(user.at("/content").asString()).isEqualTo("One more question?")));
		}
		finally {
			this.server.recordRequests(false);
		}
	}

	@Test
	void fiftyAiServiceRepliesAllSucceedAndAnOutageOfThePrimaryFallsBack() {
		List<Reply> replies = drive("default",
				(i) -> this.client.post()
					.uri("/api/replies")
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("text", "Question number " + i + "?"))
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody(Reply.class)
					.returnResult()
					.getResponseBody());
		assertThat(replies).hasSize(CALLS).allSatisfy((reply) -> {
			assertThat(reply.provider()).isIn("openai", "backup");
			assertThat(reply.reply()).startsWith("A demo answer from " + reply.model());
			assertThat(reply.attempts()).isPositive();
		});
		assertThat(replies.subList(OUTAGE_START, OUTAGE_START + OUTAGE_CALLS)).allSatisfy((reply) -> {
			assertThat(reply.provider()).isEqualTo("backup");
			assertThat(reply.fallback()).isTrue();
			assertThat(reply.attempts()).isEqualTo(4);
		});
		assertRetriesAndFallbacksCounted("default");
		// The demo server records nothing; this one call it records shows what the AI
		// Service sent.
		this.server.recordRequests(true);
		try {
			this.client.post()
				.uri("/api/replies")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("text", "One more question?"))
				.exchange()
				.expectStatus()
				.isOk();
			assertThat(this.server.requests()).last()
				.satisfies((request) -> assertThat(request.json().at("/messages")).satisfiesExactly(
						(system) -> assertThat(system.at("/content").asString())
							.isEqualTo("You are a support agent. Answer in a few sentences."),
						(user) -> assertThat(user.at("/content").asString()).isEqualTo("One more question?")));
		}
		finally {
			this.server.recordRequests(false);
		}
	}

	@Test
	void retriesAndFallbacksShowOnThePrometheusEndpoint() {
		outageOfPrimary("summaries", 1);
		this.client.post()
			.uri("/api/summaries")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("text", "Anything."))
			.exchange()
			.expectStatus()
			.isOk();
		String scrape = this.client.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(scrape).contains("llm_retries_total{", "llm_fallbacks_total{", "llm_calls_seconds_count{");
	}

	@Test
	void streamThatNoTargetCanStartIsAnHttpError() {
		String primary = this.environment.getRequiredProperty("llm.policies.chat.model");
		this.server.model(primary)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.server.model(fallbackModel("chat"))
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503));
		this.client.get()
			.uri("/api/chat/stream?prompt={prompt}", "Hello")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.kind")
			.isEqualTo("server-error")
			.jsonPath("$.attempts")
			.isEqualTo(6);
	}

	@Test
	void streamCutAfterItsFirstChunksEndsWithAnErrorEvent() {
		String primary = this.environment.getRequiredProperty("llm.policies.chat.model");
		this.server.model(primary).enqueue(FakeResponse.stream("Once ", "upon ", "a ", "time").breakAfter(2));
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
	 * Make the calls one after the other, so that the scripted outage falls on exactly
	 * the calls it is meant for, and check that {@code llm.calls} recorded each as a
	 * success.
	 */
	private <T> List<T> drive(String policy, IntFunction<T> call) {
		Map<String, Long> before = callsByOutcome(policy);
		List<T> results = new ArrayList<>();
		for (int i = 0; i < CALLS; i++) {
			if (i == OUTAGE_START) {
				outageOfPrimary(policy, OUTAGE_CALLS);
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
	 * Script the next calls' attempts on the policy's primary to fail: a 429 that asks
	 * for 20 ms, then two 503s, so that each call retries twice and then falls back.
	 */
	private void outageOfPrimary(String policy, int calls) {
		String primary = this.environment.getRequiredProperty("llm.policies." + policy + ".model");
		for (int i = 0; i < calls; i++) {
			this.server.model(primary)
				.enqueue(FakeResponse.status(429).retryAfterMillis(20), FakeResponse.status(503),
						FakeResponse.status(503));
		}
	}

	private String fallbackModel(String policy) {
		return this.environment.getRequiredProperty("llm.policies." + policy + ".fallbacks[0].model");
	}

	private void assertRetriesAndFallbacksCounted(String policy) {
		assertThat(count("llm.retries", "policy", policy, "provider", "openai", "reason", "rate-limited"))
			.isGreaterThanOrEqualTo(OUTAGE_CALLS);
		assertThat(count("llm.retries", "policy", policy, "provider", "openai", "reason", "server-error"))
			.isGreaterThanOrEqualTo(OUTAGE_CALLS);
		assertThat(count("llm.fallbacks", "policy", policy, "to", "backup:" + fallbackModel(policy), "reason",
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

}
