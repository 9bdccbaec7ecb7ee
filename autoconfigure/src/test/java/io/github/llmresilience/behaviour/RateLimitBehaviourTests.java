package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Served;
import io.github.llmresilience.actuate.LlmEndpoint;
import io.github.llmresilience.actuate.LlmEndpoint.LlmDescriptor;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate-limit headers, pacing and declared limits against a real server: what the upstream
 * received, what the caller got, and the meters.
 */
class RateLimitBehaviourTests extends BehaviourTestSupport {

	@Test
	void aTargetWhoseHeadersSayItIsUsedUpForLongerThanMaxRetryAfterReceivesNothingAndTheCallFallsBack() {
		this.server.model(PRIMARY).enqueue(usedUp("30s")).thenAlways(FakeResponse.ok("primary"));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		metered().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			served(llm.chat("summaries", REQUEST), new Served("openai", PRIMARY, 1, false));
			served(llm.chat("summaries", REQUEST), new Served("backup", FALLBACK, 1, true));
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.ratelimit.remaining")
				.tags("provider", "openai", "model", PRIMARY, "limit", "requests")
				.gauge()
				.value()).isZero();
			assertThat(meters.get("llm.ratelimit.remaining")
				.tags("provider", "openai", "model", PRIMARY, "limit", "tokens")
				.gauge()
				.value()).isEqualTo(149984);
			assertThat(meters.get("llm.paced")
				.tags("provider", "openai", "model", PRIMARY, "action", "skipped")
				.counter()
				.count()).isEqualTo(1);
			LlmDescriptor llmEndpoint = context.getBean(LlmEndpoint.class).llm();
			assertThat(llmEndpoint.rateLimits().get("openai:" + PRIMARY).requests().remaining()).isZero();
			assertThat(llmEndpoint.rateLimits().get("openai:" + PRIMARY).exhaustedUntil()).isNotNull();
		});
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void aTargetUsedUpForAShortWhileIsWaitedForBeforeTheNextRequest() {
		this.server.model(PRIMARY).enqueue(usedUp("600ms")).thenAlways(FakeResponse.ok("primary"));
		metered().run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.chat("summaries", REQUEST)).expectNextCount(1).verifyComplete();
			served(llm.chat("summaries", REQUEST), new Served("openai", PRIMARY, 1, false));
			assertThat(context.getBean(MeterRegistry.class).get("llm.paced").tags("action", "waited").counter().count())
				.isEqualTo(1);
		});
		List<RecordedRequest> requests = primaryRequests();
		assertThat(requests).hasSize(2);
		// The reset counts from when the first answer arrived; the second request waits
		// for it.
		assertThat(FakeLlmServer.gaps(requests).get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(550));
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void withRateLimitHeadersOffTheHeadersAreNotRead() {
		this.server.model(PRIMARY).enqueue(usedUp("30s")).thenAlways(FakeResponse.ok("primary"));
		metered("llm.providers.openai.rate-limit-headers=false").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(llm.chat("summaries", REQUEST)).expectNextCount(1).verifyComplete();
			StepVerifier.create(llm.chat("summaries", REQUEST))
				.assertNext((response) -> assertThat(response.served().provider()).isEqualTo("openai"))
				.verifyComplete();
			assertThat(context.getBean(MeterRegistry.class).find("llm.ratelimit.remaining").gauges()).isEmpty();
		});
		assertThat(primaryRequests()).hasSize(2);
	}

	@Test
	void anthropicsHeadersAreReadToo() {
		// As Anthropic documents them:
		// https://docs.anthropic.com/en/api/rate-limits#response-headers
		this.server.model(PRIMARY)
			.thenAlways(FakeResponse.ok("hello")
				.header("anthropic-ratelimit-requests-limit", "50")
				.header("anthropic-ratelimit-requests-remaining", "49")
				.header("anthropic-ratelimit-requests-reset", "2026-12-01T12:00:30Z")
				.header("anthropic-ratelimit-tokens-limit", "40000")
				.header("anthropic-ratelimit-tokens-remaining", "39000")
				.header("anthropic-ratelimit-tokens-reset", "2026-12-01T12:00:02Z"));
		metered().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat(REQUEST)).expectNextCount(1).verifyComplete();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("llm.ratelimit.remaining").tags("limit", "requests").gauge().value()).isEqualTo(49);
			assertThat(meters.get("llm.ratelimit.remaining").tags("limit", "tokens").gauge().value()).isEqualTo(39000);
		});
	}

	@Test
	void aDeclaredLimitSpacesTheRequestsThisInstanceSends() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("primary"));
		// 60 per minute: one per second, so the three requests take permits of three
		// periods: the third always waits, the second too unless the first took the
		// last instant of its period (then the two only wait for one boundary).
		metered("llm.providers.openai.rate-limit.requests-per-minute=60").run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			StepVerifier.create(Flux.merge(llm.chat(REQUEST), llm.chat(REQUEST), llm.chat(REQUEST)))
				.expectNextCount(3)
				.verifyComplete();
			assertThat(context.getBean(MeterRegistry.class).get("llm.paced").tags("action", "waited").counter().count())
				.isGreaterThanOrEqualTo(1);
		});
		List<RecordedRequest> requests = primaryRequests();
		assertThat(requests).hasSize(3);
		assertThat(Duration.ofNanos(requests.get(2).receivedNanos() - requests.get(0).receivedNanos()))
			.isGreaterThanOrEqualTo(Duration.ofMillis(950));
	}

	@Test
	void theEndpointShowsEachProvidersRetryBudget() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503)).thenAlways(FakeResponse.ok("primary"));
		metered().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", REQUEST))
				.expectNextCount(1)
				.verifyComplete();
			LlmEndpoint.RetryBudgetDescriptor budget = context.getBean(LlmEndpoint.class)
				.llm()
				.retryBudgets()
				.get("openai");
			assertThat(budget.firstRequests()).isEqualTo(1);
			assertThat(budget.retries()).isEqualTo(1);
			// 0.2 × 1 + 1.0 per second × 10 s
			assertThat(budget.allowedRetries()).isEqualTo(10);
		});
	}

}
