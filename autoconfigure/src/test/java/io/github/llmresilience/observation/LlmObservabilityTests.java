package io.github.llmresilience.observation;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.test.StepVerifier;

import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.behaviour.Summarizer;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The meters, observations and logs of calls against a real server: exact values and
 * tags.
 */
@ExtendWith(OutputCaptureExtension.class)
class LlmObservabilityTests {

	private static final String PRIMARY = "gpt-4o";

	private static final String FALLBACK = "claude-3-5-haiku";

	private static final String PROMPT = "Summarise the quarterly figures of ACME";

	private final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	void stop() {
		this.server.close();
	}

	private ApplicationContextRunner runner(String... properties) {
		return llmResilience(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				LlmMetricsAutoConfiguration.class)
			.withBean(Summarizer.class)
			.withPropertyValues("llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
					"llm.providers.openai.api-key=sk-primary-SECRET-key",
					"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
					"llm.defaults.retry.initial-backoff=10ms", "llm.defaults.retry.jitter=0",
					"llm.policies.summaries.provider=openai", "llm.policies.summaries.model=" + PRIMARY,
					"llm.policies.summaries.retry.max-attempts=3",
					"llm.policies.summaries.fallbacks[0].provider=backup",
					"llm.policies.summaries.fallbacks[0].model=" + FALLBACK,
					// The other policies the Summarizer's methods name.
					"llm.policies.streaming.provider=openai", "llm.policies.streaming.model=" + PRIMARY,
					"llm.policies.parsing.provider=openai", "llm.policies.parsing.model=" + PRIMARY)
			.withPropertyValues(properties);
	}

	private static ChatRequest request() {
		return ChatRequest.builder().user(PROMPT).build();
	}

	private static Set<String> tagKeys(Meter meter) {
		return meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet());
	}

	@Test
	void seedPolicyCountsTwoRetriesOneFallbackAndOneCallServedByTheFallback() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		this.server.model(FALLBACK)
			.thenAlways(FakeResponse.ok("ok").usage(30, 7).reportedModel("claude-3-5-haiku-20241022"));
		runner().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectNextCount(1)
				.verifyComplete();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			Counter retries = registry.get("llm.retries").counter();
			assertThat(retries.count()).isEqualTo(2);
			assertThat(retries.getId().getTags()).containsExactlyInAnyOrder(Tag.of("policy", "summaries"),
					Tag.of("provider", "openai"), Tag.of("model", PRIMARY), Tag.of("reason", "server-error"));
			Counter fallbacks = registry.get("llm.fallbacks").counter();
			assertThat(fallbacks.count()).isEqualTo(1);
			assertThat(fallbacks.getId().getTags()).containsExactlyInAnyOrder(Tag.of("policy", "summaries"),
					Tag.of("from", "openai:" + PRIMARY), Tag.of("to", "backup:" + FALLBACK),
					Tag.of("reason", "server-error"));
			Timer calls = registry.get("llm.calls").timer();
			assertThat(calls.count()).isEqualTo(1);
			assertThat(calls.getId().getTags()).containsExactlyInAnyOrder(Tag.of("policy", "summaries"),
					Tag.of("outcome", "success"), Tag.of("provider", "backup"), Tag.of("model", FALLBACK),
					Tag.of("fallback", "true"), Tag.of("error", "none"));
			assertThat(registry.get("llm.attempts")
				.tags("provider", "openai", "result", "server-error", "status", "503", "policy", "summaries")
				.timer()
				.count()).isEqualTo(3);
			Timer served = registry.get("llm.attempts").tags("provider", "backup", "result", "success").timer();
			assertThat(served.count()).isEqualTo(1);
			assertThat(tagKeys(served)).containsExactlyInAnyOrder("policy", "provider", "model", "result", "status",
					"error");
			DistributionSummary input = registry.get("gen_ai.client.token.usage")
				.tags("gen_ai.token.type", "input")
				.summary();
			assertThat(input.totalAmount()).isEqualTo(30);
			assertThat(input.getId().getTags()).contains(Tag.of("gen_ai.request.model", FALLBACK),
					Tag.of("gen_ai.response.model", "claude-3-5-haiku-20241022"),
					Tag.of("gen_ai.operation.name", "chat"));
			assertThat(registry.get("gen_ai.client.token.usage")
				.tags("gen_ai.token.type", "output")
				.summary()
				.totalAmount()).isEqualTo(7);
		});
	}

	@Test
	void prometheusNamesAreTheOnesTheDocumentedQueriesUse() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("ok").usage(30, 7));
		runner().withBean(PrometheusMeterRegistry.class, () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
			.run((context) -> {
				StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
					.expectNextCount(1)
					.verifyComplete();
				String scrape = context.getBean(PrometheusMeterRegistry.class).scrape();
				assertThat(scrape).contains(
						"llm_retries_total{model=\"gpt-4o\",policy=\"summaries\",provider=\"openai\",reason=\"server-error\"} 2.0")
					.contains(
							"llm_fallbacks_total{from=\"openai:gpt-4o\",policy=\"summaries\",reason=\"server-error\",to=\"backup:claude-3-5-haiku\"} 1.0")
					.contains(
							"llm_calls_seconds_count{error=\"none\",fallback=\"true\",model=\"claude-3-5-haiku\",outcome=\"success\",policy=\"summaries\",provider=\"backup\"} 1")
					.contains(
							"llm_attempts_seconds_count{error=\"none\",model=\"claude-3-5-haiku\",policy=\"summaries\",provider=\"backup\",result=\"success\",status=\"200\"} 1")
					.contains(
							"gen_ai_client_token_usage_sum{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"claude-3-5-haiku\",gen_ai_response_model=\"claude-3-5-haiku\",gen_ai_token_type=\"input\"} 30.0")
					.contains("llm_calls_active_seconds_count");
			});
	}

	@Test
	void modelTagIsTheRequestedModelWhateverTheServerReports() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("ok").reportedModel("gpt-4o-2024-08-06"));
		runner().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectNextCount(1)
				.verifyComplete();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("llm.calls").timer().getId().getTag("model")).isEqualTo(PRIMARY);
			assertThat(registry.get("llm.attempts").timer().getId().getTag("model")).isEqualTo(PRIMARY);
		});
	}

	@Test
	void failedCallIsCountedWithOutcomeFailureAndTheErrorName() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(400));
		runner().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request())).expectError().verify();
			Timer calls = context.getBean(MeterRegistry.class).get("llm.calls").timer();
			assertThat(calls.getId().getTags()).contains(Tag.of("outcome", "failure"), Tag.of("provider", "none"),
					Tag.of("model", "none"), Tag.of("fallback", "false"), Tag.of("error", "LlmException"));
		});
	}

	@Test
	void callEndedByTheDeadlineHasOutcomeDeadline() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		runner("llm.policies.summaries.deadline=100ms").run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectError()
				.verify(Duration.ofSeconds(5));
			assertThat(context.getBean(MeterRegistry.class).get("llm.calls").tag("outcome", "deadline").timer().count())
				.isEqualTo(1);
		});
	}

	@Test
	void cancelledCallHasOutcomeCancelled() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		runner().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectSubscription()
				.thenAwait(Duration.ofMillis(50))
				.thenCancel()
				.verify();
			assertThat(
					context.getBean(MeterRegistry.class).get("llm.calls").tag("outcome", "cancelled").timer().count())
				.isEqualTo(1);
		});
	}

	@Test
	void callAnsweredByTheFallbackMethodHasOutcomeFallbackMethod() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(500));
		this.server.model(FALLBACK).thenAlways(FakeResponse.status(500));
		runner("llm.policies.summaries.retry.max-attempts=1").run((context) -> {
			StepVerifier.create(context.getBean(Summarizer.class).summariseOrCached(PROMPT))
				.expectNext("(summary unavailable)")
				.verifyComplete();
			Timer calls = context.getBean(MeterRegistry.class).get("llm.calls").timer();
			assertThat(calls.getId().getTags()).contains(Tag.of("outcome", "fallback-method"),
					Tag.of("fallback", "false"));
		});
	}

	@Test
	void resilience4jMetersAreBoundSoItsDashboardsWork() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503));
		runner().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectNextCount(1)
				.verifyComplete();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("resilience4j.retry.calls")
				.tags("name", "summaries@openai:" + PRIMARY, "kind", "successful_with_retry")
				.functionCounter()
				.count()).isEqualTo(1);
			assertThat(registry.get("resilience4j.circuitbreaker.state")
				.tags("name", "openai:" + PRIMARY, "state", "closed")
				.gauge()
				.value()).isEqualTo(1);
		});
	}

	@Test
	void applicationConventionReplacesTheDefault() {
		runner().withUserConfiguration(CustomConvention.class).run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectNextCount(1)
				.verifyComplete();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("llm.calls").timer()).isNull();
			assertThat(registry.get("my.llm.calls").timer().getId().getTag("team")).isEqualTo("search");
		});
	}

	@Test
	void withoutAMeterRegistryCallsStillWork() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503)).thenAlways(FakeResponse.ok("served unmetered"));
		llmResilience(LlmMetricsAutoConfiguration.class)
			.withPropertyValues("llm.providers.openai.base-url=" + this.server.baseUrl(),
					"llm.policies.default.model=" + PRIMARY, "llm.defaults.retry.initial-backoff=5ms")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(MeterRegistry.class).doesNotHaveBean(LlmMetrics.class);
				StepVerifier.create(context.getBean(LlmClient.class).chat(request())).assertNext((response) -> {
					assertThat(response.content()).isEqualTo("served unmetered");
					assertThat(response.served().attempts()).isEqualTo(2);
				}).verifyComplete();
			});
	}

	@Test
	void eachCallLogsOneLineAndAFallbackWarnsWithTheChainOfFailures(CapturedOutput output) {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503), FakeResponse.status(503),
					FakeResponse.ok("direct"));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("The figures are up."));
		runner().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.chat("summaries", request())).expectNextCount(1).verifyComplete();
			StepVerifier.create(llm.chat("summaries", request())).expectNextCount(1).verifyComplete();
		});
		List<String> lines = output.getAll().lines().filter((line) -> line.contains("LLM call")).toList();
		assertThat(lines).hasSize(2);
		assertThat(lines).allSatisfy((line) -> assertThat(line).contains(ObservedCall.LOGGER));
		assertThat(lines.get(0)).contains("WARN")
			.contains("policy=summaries", "outcome=success", "served=backup:" + FALLBACK, "attempts=4", "fallback=true",
					"failures=[openai:gpt-4o server-error, openai:gpt-4o server-error, openai:gpt-4o server-error]")
			.containsPattern("duration=\\d+ms");
		assertThat(lines.get(1)).contains("INFO", "served=openai:" + PRIMARY, "attempts=1", "fallback=false");
		assertThat(output.getAll()).doesNotContain("sk-primary-SECRET-key")
			.doesNotContain(PROMPT)
			.doesNotContain("The figures are up.");
	}

	@Test
	void noLogLineOrExceptionCarriesTheKeyOrThePromptWhenTheProviderEchoesThem(CapturedOutput output) {
		this.server.model(PRIMARY)
			.thenAlways(FakeResponse.error(401, "invalid_request_error", "invalid_api_key",
					"Incorrect API key provided: sk-primary-SECRET-key"));
		this.server.model(FALLBACK).thenAlways(FakeResponse.status(500));
		runner("llm.policies.summaries.retry.max-attempts=1", "logging.level.io.github.llmresilience=DEBUG")
			.run((context) -> StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", request()))
				.expectErrorSatisfies((error) -> assertThat(error.toString()).doesNotContain("SECRET"))
				.verify());
		assertThat(output.getAll()).doesNotContain("SECRET").doesNotContain(PROMPT);
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomConvention {

		@Bean
		LlmCallObservationConvention myConvention() {
			return new DefaultLlmCallObservationConvention() {

				@Override
				public String getName() {
					return "my.llm.calls";
				}

				@Override
				public KeyValues getLowCardinalityKeyValues(LlmCallContext context) {
					return super.getLowCardinalityKeyValues(context).and("team", "search");
				}

			};
		}

	}

}
