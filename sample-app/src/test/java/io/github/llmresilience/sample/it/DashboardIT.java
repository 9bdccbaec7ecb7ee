package io.github.llmresilience.sample.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.it.LocalImageContainer;
import io.github.llmresilience.sample.SampleApi;
import io.github.llmresilience.sample.docs.AlertRules;
import io.github.llmresilience.sample.docs.AlertRules.Rule;
import io.github.llmresilience.sample.docs.GrafanaDashboard;
import io.github.llmresilience.sample.docs.GrafanaDashboard.Panel;
import io.github.llmresilience.sample.docs.GrafanaDashboard.Query;
import io.github.llmresilience.sample.docs.MetricsGuide;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard, the alert rules and the queries of
 * {@code docs/reference/metrics.md} against a real Prometheus (Debian's, in a container)
 * that scrapes the sample application in demo mode, with the configuration of
 * {@code docs/prometheus/prometheus.yml}. The application answers calls through its three
 * endpoints under the seeded chaos mix, with a scripted outage of each policy's primary
 * so that retries and fallbacks certainly happen, and a slow answer of {@code summaries}'
 * primary that its hedge beats; then both targets of policy {@code summaries} say their
 * quota is used up, so their circuits open and its calls end in the fallback method.
 * Every panel's query must then return data, every rule must load and evaluate, and the
 * alerts for that outage must fire.
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(webEnvironment = WebEnvironment.DEFINED_PORT,
		properties = { "demo.chaos.retry-after=50ms", "demo.answer-delay=10ms", "demo.chunk-delay=2ms",
				"llm.defaults.retry.initial-backoff=10ms", "llm.defaults.retry.max-backoff=40ms",
				// Only the quota outage opens circuits, and they stay open for the rest
				// of the test; the
				// chaos mix and the scripted outages of the primaries alone would open
				// some, by chance.
				"llm.defaults.circuit-breaker.sliding-window-size=100",
				"llm.defaults.circuit-breaker.minimum-number-of-calls=100",
				"llm.defaults.circuit-breaker.wait-duration-in-open-state=10m",
				// A slow answer of the primary is raced by a hedge to the fallback
				// (slowPrimary).
				"llm.policies.summaries.hedge.enabled=true", "llm.policies.summaries.hedge.delay=300ms" })
@AutoConfigureWebTestClient
@TestInstance(Lifecycle.PER_CLASS)
class DashboardIT {

	private static final Logger logger = LoggerFactory.getLogger(DashboardIT.class);

	/**
	 * The application's port, chosen before it starts, because Prometheus's configuration
	 * names it.
	 */
	private static final int PORT = LocalImageContainer.freeLoopbackPort();

	/**
	 * A {@code $__rate_interval} that Grafana uses for a time range of a few days (for an
	 * hour it is 1m, four times the data source's default scrape interval of 15 s): long
	 * enough that the calls made before the tests are still in the window on a slow
	 * machine.
	 */
	private static final String RATE_INTERVAL = "5m";

	private static final int ROUNDS = 3;

	private static final int CALLS_PER_ROUND = 8;

	private static final int OUTAGE_CALLS_PER_ROUND = 2;

	private static final int FAILING_CALLS = 4;

	private static final String OUTAGE_POLICY = "summaries";

	/**
	 * The sample's policy on a pool of two deployments.
	 */
	private static final String POOL_POLICY = "rewrites";

	/**
	 * OpenAI's answer when the account's quota is used up, as its error code guide lists
	 * it (https://platform.openai.com/docs/guides/error-codes/api-errors, "429 - You
	 * exceeded your current quota, please check your plan and billing details").
	 */
	private static final FakeResponse QUOTA_EXHAUSTED = FakeResponse.error(429, "insufficient_quota",
			"insufficient_quota", "You exceeded your current quota, please check your plan and billing details.");

	/**
	 * The alerts that the outage of {@link #OUTAGE_POLICY} raises, and nothing else in
	 * this test.
	 */
	private static final Set<String> OUTAGE_ALERTS = Set.of("LlmPolicyUnavailable", "LlmCallsFailing",
			"LlmQuotaExhausted", "LlmProviderRejectsKeyOrModel");

	/**
	 * The series that only an application sharing state through Redis records
	 * ({@code llm.shared-state.type=redis}, docs/guides/fleet.md). The demo app has no
	 * Redis, so the panels and queries that read them cannot return data here; they must
	 * still be valid PromQL, and the starter's {@code SharedStateIT} checks the meter
	 * against a real Redis. Nothing else may be exempted.
	 */
	private static final Set<String> NEED_SHARED_STATE = Set.of("llm_shared_cooldowns_total");

	private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*(\\w+)\\)");

	private static final Duration AWAIT = Duration.ofSeconds(60);

	@Container
	static final PrometheusContainer prometheus = new PrometheusContainer(
			AlertRules.PATH.resolveSibling("prometheus.yml"), "127.0.0.1:" + PORT, "1s");

	@DynamicPropertySource
	static void listenOnThePortPrometheusScrapes(DynamicPropertyRegistry registry) {
		registry.add("server.port", () -> PORT);
	}

	@Autowired
	private WebTestClient client;

	@Autowired
	private FakeLlmServer server;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private Environment environment;

	private final GrafanaDashboard dashboard = GrafanaDashboard.read();

	private final AlertRules rules = AlertRules.read();

	private String application;

	private SampleApi api;

	@BeforeAll
	void driveCallsThatRetryAndFallBackThenAnOutageOfEveryTargetOfAPolicy() {
		this.application = this.environment.getRequiredProperty("management.metrics.tags.application");
		this.api = new SampleApi(this.client, this.environment);
		await("Prometheus scrapes the application", () -> scalar("up{job=\"llm-resilience-sample\"}") == 1);
		for (int round = 0; round < ROUNDS; round++) {
			for (String policy : List.of("summaries", "default", "chat")) {
				this.api.outageOfPrimary(this.server, policy, OUTAGE_CALLS_PER_ROUND);
				for (int i = 0; i < CALLS_PER_ROUND; i++) {
					assertThat(call(policy, "Text " + round + "." + i, 200)).contains("demo ");
				}
			}
			slowPrimary("summaries");
			assertThat(call("summaries", "Slow " + round, 200)).contains("demo ");
			// The pool's calls: the demo's 429s on its members move them sideways.
			for (int i = 0; i < CALLS_PER_ROUND; i++) {
				rewrite("Rewrite " + round + "." + i);
			}
			// Counters need a sample after they grew for rate() to see the growth.
			awaitPrometheusHasScrapedEveryCall();
		}
		for (int round = 0; round < ROUNDS; round++) {
			rateLimitsOfPrimary("summaries");
			for (int i = 0; i < 3; i++) {
				assertThat(call("summaries", "Paced " + round + "." + i, 200)).contains("demo ");
			}
			awaitPrometheusHasScrapedEveryCall();
		}
		this.server.model(this.api.model(OUTAGE_POLICY)).thenAlways(QUOTA_EXHAUSTED);
		this.server.model(this.api.fallbackModel(OUTAGE_POLICY)).thenAlways(QUOTA_EXHAUSTED);
		for (int i = 0; i < FAILING_CALLS; i++) {
			// Summarizer's fallback method answers when no target can.
			assertThat(call(OUTAGE_POLICY, "A text no target can summarise", 200)).contains("\"provider\":\"none\"");
			// One failed call per scrape, so that rate() sees the failures grow.
			awaitPrometheusHasScrapedEveryCall();
		}
	}

	@Test
	void promtoolFindsTheRuleFileValid() {
		ExecResult result = prometheus.promtool("check", "rules",
				PrometheusContainer.RULES_DIRECTORY + AlertRules.PATH.getFileName());
		assertThat(result.getExitCode()).as(result.getStdout() + result.getStderr()).isZero();
		assertThat(result.getStdout()).contains("SUCCESS: " + this.rules.rules().size() + " rules found");
	}

	@Test
	void theVariablesListTheApplicationAndItsPolicies() {
		Map<String, String> values = Map.of("application", this.application);
		assertThat(labelValues(this.dashboard.variable("application").query(), values)).contains(this.application);
		assertThat(labelValues(this.dashboard.variable("policy").query(), values)).containsExactlyInAnyOrder("chat",
				"default", "summaries", POOL_POLICY);
	}

	@Test
	void everyPanelQueryReturnsDataForAllPoliciesAndForOne() {
		for (String policy : List.of(this.dashboard.variable("policy").allValue(), OUTAGE_POLICY)) {
			Map<String, String> values = Map.of("application", this.application, "policy", policy, "__rate_interval",
					RATE_INTERVAL);
			Map<String, String> queries = new LinkedHashMap<>();
			for (Panel panel : this.dashboard.panels()) {
				for (Query query : panel.queries()) {
					// A pool's panels show pools only: for one policy, the one of the
					// pool.
					boolean pool = query.expr().contains("llm_pool_member_available") && policy.equals(OUTAGE_POLICY);
					Map<String, String> these = pool ? Map.of("application", this.application, "policy", POOL_POLICY,
							"__rate_interval", RATE_INTERVAL) : values;
					queries.put("'" + panel.title() + "' " + query.refId() + " (policy " + (pool ? POOL_POLICY : policy)
							+ ")", GrafanaDashboard.substitute(query.expr(), these));
				}
			}
			assertEveryQueryReturnsData(queries);
		}
	}

	@Test
	void onlyTheFleetPanelIsExemptedFromReturningData() {
		List<String> exempted = this.dashboard.panels()
			.stream()
			.filter((panel) -> panel.queries()
				.stream()
				.anyMatch((query) -> NEED_SHARED_STATE.stream().anyMatch(query.expr()::contains)))
			.map(Panel::title)
			.toList();
		assertThat(exempted).containsExactly("Cooldowns shared");
	}

	@Test
	void theQueriesOfTheMetricsPageReturnData() {
		Map<String, String> queries = new LinkedHashMap<>();
		List<String> examples = MetricsGuide.read().promqlExamples();
		for (int i = 0; i < examples.size(); i++) {
			queries.put("docs/reference/metrics.md query " + (i + 1), examples.get(i));
		}
		assertThat(queries).isNotEmpty();
		assertEveryQueryReturnsData(queries);
	}

	@Test
	void prometheusLoadsEveryRuleAndEvaluatesItWithoutError() {
		for (Rule rule : this.rules.rules()) {
			JsonNode answer = prometheus.query(rule.expr());
			assertThat(answer.path("status").asString()).as("%s: %s", rule.name(), answer).isEqualTo("success");
		}
		List<String> loaded = new ArrayList<>();
		await("Prometheus has evaluated every rule", () -> {
			loaded.clear();
			boolean evaluated = true;
			for (JsonNode group : prometheus.get("/api/v1/rules").path("data").path("groups").values()) {
				for (JsonNode rule : group.path("rules").values()) {
					loaded.add(group.path("name").asString() + "/" + rule.path("name").asString() + " "
							+ rule.path("health").asString() + rule.path("lastError").asString(""));
					evaluated &= !"unknown".equals(rule.path("health").asString());
				}
			}
			return evaluated && !loaded.isEmpty();
		});
		assertThat(loaded).containsExactlyElementsOf(
				this.rules.rules().stream().map((rule) -> rule.group() + "/" + rule.name() + " ok").toList());
	}

	@Test
	void theOutageOfEveryTargetOfAPolicyRaisesItsAlertsAndNoOtherPage() {
		String primary = this.api.model(OUTAGE_POLICY);
		String fallback = this.api.fallbackModel(OUTAGE_POLICY);
		Set<String> expected = Set.of("LlmPolicyUnavailable policy=" + OUTAGE_POLICY,
				"LlmCallsFailing policy=" + OUTAGE_POLICY, "LlmQuotaExhausted provider=openai model=" + primary,
				"LlmQuotaExhausted provider=backup model=" + fallback);
		Set<String> active = new TreeSet<>();
		await("the alerts of the outage are pending or firing", () -> {
			active.clear();
			for (JsonNode alert : prometheus.get("/api/v1/alerts").path("data").path("alerts").values()) {
				JsonNode labels = alert.path("labels");
				assertThat(labels.path("application").asString()).isEqualTo(this.application);
				StringBuilder key = new StringBuilder(labels.path("alertname").asString());
				for (String label : List.of("policy", "provider", "model")) {
					if (labels.has(label)) {
						key.append(' ').append(label).append('=').append(labels.path(label).asString());
					}
				}
				active.add(key.toString());
			}
			return active.containsAll(expected);
		});
		// The alerts on shares of rate limits, errors and fallbacks depend on the seeded
		// chaos mix (the
		// demo answers 30 % of the primaries' requests 429 on purpose); these depend on
		// the outage alone.
		assertThat(active).filteredOn((alert) -> OUTAGE_ALERTS.contains(alert.split(" ")[0]))
			.containsExactlyInAnyOrderElementsOf(expected);
	}

	private void assertEveryQueryReturnsData(Map<String, String> all) {
		Map<String, String> queries = new LinkedHashMap<>();
		all.forEach((name, promql) -> {
			if (NEED_SHARED_STATE.stream().anyMatch(promql::contains)) {
				JsonNode answer = prometheus.query(promql);
				assertThat(answer.path("status").asString()).as("%s: %s", name, answer).isEqualTo("success");
				logger.info("{}: needs shared state (Redis), which the demo app has not; the query is valid", name);
			}
			else {
				queries.put(name, promql);
			}
		});
		Map<String, String> problems = new java.util.concurrent.ConcurrentHashMap<>();
		Map<String, String> lastProblems = new java.util.concurrent.ConcurrentHashMap<>();
		Map<String, String> results = new LinkedHashMap<>();
		await("every query returns data", () -> {
			lastProblems.clear();
			lastProblems.putAll(problems);
			problems.clear();
			queries.forEach((name, promql) -> {
				JsonNode answer = prometheus.query(promql);
				if (!"success".equals(answer.path("status").asString())) {
					problems.put(name, answer.path("errorType").asString() + ": " + answer.path("error").asString()
							+ "\n    " + promql);
					return;
				}
				List<String> finite = new ArrayList<>();
				for (JsonNode series : answer.path("data").path("result").values()) {
					double value = Double.parseDouble(series.path("value").get(1).asString());
					if (Double.isFinite(value)) {
						finite.add(series.path("metric").toString() + "=" + value);
					}
				}
				if (finite.isEmpty()) {
					problems.put(name, "no data: " + answer.path("data").path("result") + "\n    " + promql);
					return;
				}
				results.put(name, finite.size() + " series, e.g. " + finite.get(0));
			});
			return problems.isEmpty();
		}, () -> (problems.isEmpty() ? lastProblems : problems).entrySet()
			.stream()
			.map((problem) -> problem.getKey() + ": " + problem.getValue())
			.collect(Collectors.joining("\n")));
		results.forEach((name, result) -> logger.info("{}: {}", name, result));
	}

	private List<String> labelValues(String query, Map<String, String> variables) {
		Matcher matcher = LABEL_VALUES.matcher(query);
		assertThat(matcher.matches()).as(query).isTrue();
		String selector = GrafanaDashboard.substitute(matcher.group(1), variables);
		String label = matcher.group(2);
		JsonNode answer = prometheus.query("group by (" + label + ") (" + selector + ")");
		assertThat(answer.path("status").asString()).as("%s", answer).isEqualTo("success");
		List<String> values = new ArrayList<>();
		for (JsonNode series : answer.path("data").path("result").values()) {
			values.add(series.path("metric").path(label).asString());
		}
		return values;
	}

	/**
	 * Make a call of a policy through the endpoint that uses it, and read the whole
	 * answer, so that the call has ended when this returns.
	 */
	private String call(String policy, String text, int expectedStatus) {
		WebTestClient.ResponseSpec response = switch (policy) {
			case "summaries" -> this.client.post()
				.uri("/api/summaries")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("text", text))
				.exchange();
			case "default" -> this.client.post()
				.uri("/api/headlines")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("text", text))
				.exchange();
			case "chat" -> this.api.chat(text);
			default -> throw new IllegalArgumentException(policy);
		};
		response.expectStatus().isEqualTo(expectedStatus);
		StringBuilder body = new StringBuilder();
		StepVerifier.create(response.returnResult(String.class).getResponseBody())
			.thenConsumeWhile((element) -> body.append(element) != null)
			.expectComplete()
			.verify(Duration.ofSeconds(30));
		return body.toString();
	}

	/**
	 * Make a call of the pool's policy and read its whole answer; a call whose every
	 * attempt met one of the demo's 429s may fail, which the dashboard shows too.
	 */
	private void rewrite(String text) {
		this.client.post()
			.uri("/api/rewrites")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("text", text))
			.exchange()
			.expectBody()
			.returnResult();
	}

	/**
	 * Script the primary's next answer to come after 3 s: the policy's hedge, sent after
	 * 300 ms to the fallback, answers first, and the primary's exchange is closed.
	 */
	private void slowPrimary(String policy) {
		this.server.model(this.api.model(policy))
			.enqueue(FakeResponse.ok("A slow demo answer").delay(Duration.ofSeconds(3)));
	}

	/**
	 * Script the primary's next answers so that the rate-limit meters move: an answer
	 * whose headers say the requests are used up for 300 ms (the next call waits for the
	 * reset), and a 503 whose server says not to retry it (the retry is denied, the call
	 * falls back).
	 */
	private void rateLimitsOfPrimary(String policy) {
		this.server.model(this.api.model(policy))
			.enqueue(
					FakeResponse.ok("A demo answer, the last of this minute")
						.header("x-ratelimit-limit-requests", "60")
						.header("x-ratelimit-remaining-requests", "0")
						.header("x-ratelimit-reset-requests", "300ms"),
					FakeResponse.status(503).header("x-should-retry", "false"));
	}

	private void awaitPrometheusHasScrapedEveryCall() {
		long calls = this.meters.find("llm.calls").timers().stream().mapToLong(Timer::count).sum();
		await("Prometheus has scraped " + calls + " calls",
				() -> scalar("sum(llm_calls_seconds_count{application=\"" + this.application + "\"})") >= calls);
	}

	private double scalar(String promql) {
		JsonNode result = prometheus.query(promql).path("data").path("result");
		return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asString());
	}

	private static void await(String what, Supplier<Boolean> condition) {
		await(what, condition, () -> what);
	}

	private static void await(String what, Supplier<Boolean> condition, Supplier<String> failure) {
		try {
			Awaitility.await(what).atMost(AWAIT).pollInterval(Duration.ofMillis(250)).until(condition::get);
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError(failure.get(), ex);
		}
	}

}
