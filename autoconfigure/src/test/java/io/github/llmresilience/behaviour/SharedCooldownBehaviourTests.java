package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Served;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What this instance passes on to the other instances of a fleet (through a
 * {@link CooldownListener} bean, which shared state provides): the waits servers name, a
 * used-up quota and a used-up rate limit, and nothing that this instance inferred from
 * its own failures or received from another instance.
 */
class SharedCooldownBehaviourTests extends BehaviourTestSupport {

	private static final Target PRIMARY_TARGET = new Target("openai", PRIMARY);

	private final List<Cooldown> learned = new CopyOnWriteArrayList<>();

	private ApplicationContextRunner sharing(String... properties) {
		return runner(properties).withBean(CooldownListener.class, () -> this.learned::add);
	}

	@Test
	void aRetryAfterBeyondMaxRetryAfterIsPassedOnUntilTheInstantTheServerNamed() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(429).retryAfterSeconds(120));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		sharing().run((context) -> {
			Instant before = Instant.now();
			served(context.getBean(LlmClient.class).chat("summaries", REQUEST),
					new Served("backup", FALLBACK, 2, true));
			assertThat(this.learned).singleElement().satisfies((cooldown) -> {
				assertThat(cooldown.target()).isEqualTo(PRIMARY_TARGET);
				assertThat(cooldown.cause()).isEqualTo(Cooldown.Cause.RETRY_AFTER);
				assertThat(Duration.between(before, cooldown.until()).toSeconds()).isCloseTo(120, within(5L));
				assertThat(cooldown.until())
					.isEqualTo(context.getBean(TargetResilience.class).openUntil(PRIMARY_TARGET));
			});
		});
	}

	@Test
	void aUsedUpQuotaIsPassedOnForAsLongAsTheCircuitStaysOpen() {
		// OpenAI's answer: https://platform.openai.com/docs/guides/error-codes/api-errors
		this.server.model(PRIMARY)
			.thenAlways(FakeResponse.error(429, "insufficient_quota", "insufficient_quota",
					"You exceeded your current quota, please check your plan and billing details."));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		sharing("llm.defaults.circuit-breaker.wait-duration-in-open-state=45s").run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", REQUEST))
				.assertNext((response) -> assertThat(response.served().fallback()).isTrue())
				.verifyComplete();
			Instant openUntil = context.getBean(TargetResilience.class).openUntil(PRIMARY_TARGET);
			assertThat(openUntil).isNotNull();
			assertThat(this.learned)
				.containsExactly(new Cooldown(PRIMARY_TARGET, openUntil, Cooldown.Cause.QUOTA_EXHAUSTED));
		});
	}

	@Test
	void aRateLimitTheHeadersSayIsUsedUpIsPassedOnUntilItsReset() {
		this.server.model(PRIMARY).thenAlways(usedUp("30s"));
		sharing().run((context) -> {
			StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", REQUEST))
				.expectNextCount(1)
				.verifyComplete();
			Instant exhaustedUntil = context.getBean(Pacing.class).exhaustedUntil(PRIMARY_TARGET);
			assertThat(this.learned)
				.containsExactly(new Cooldown(PRIMARY_TARGET, exhaustedUntil, Cooldown.Cause.RATE_LIMIT));
		});
	}

	@Test
	void aCircuitOpenedByThisInstancesOwnFailuresAndWaitsTheServerAllowsAreNotPassedOn() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		sharing("llm.defaults.circuit-breaker.minimum-number-of-calls=2",
				"llm.defaults.circuit-breaker.sliding-window-size=2")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				for (int i = 0; i < 3; i++) {
					StepVerifier.create(llm.chat("summaries", REQUEST))
						.assertNext((response) -> assertThat(response.served().fallback()).isTrue())
						.verifyComplete();
				}
				assertThat(context.getBean(TargetResilience.class).openUntil(PRIMARY_TARGET)).isNotNull();
			});
		this.server.reset();
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(429).retryAfterMillis(50))
			.thenAlways(FakeResponse.ok("primary"));
		sharing().run((context) -> StepVerifier.create(context.getBean(LlmClient.class).chat("summaries", REQUEST))
			.assertNext((response) -> assertThat(response.served()).isEqualTo(new Served("openai", PRIMARY, 2, false)))
			.verifyComplete());
		assertThat(this.learned).isEmpty();
	}

	@Test
	void aCooldownAppliedFromAnotherInstanceIsNotPassedOnAgain() {
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		sharing().run((context) -> {
			Instant until = Instant.now().plusSeconds(120);
			assertThat(context.getBean(TargetResilience.class).holdOpen(PRIMARY_TARGET, until)).isTrue();
			context.getBean(Pacing.class).exhaustUntil(new Target("backup", FALLBACK), Instant.now().plusMillis(100));
			served(context.getBean(LlmClient.class).chat("summaries", REQUEST),
					new Served("backup", FALLBACK, 1, true));
			assertThat(context.getBean(TargetResilience.class).openUntil(PRIMARY_TARGET)).isEqualTo(until);
		});
		assertThat(primaryRequests()).isEmpty();
		assertThat(this.learned).isEmpty();
	}

}
