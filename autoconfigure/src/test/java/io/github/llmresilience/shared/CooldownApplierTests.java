package io.github.llmresilience.shared;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.execution.ResilienceCustomizers;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.MicrometerLlmMetrics;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.PacingFixture;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cooldown another instance learned, applied to this instance's circuit breakers and
 * pacing, and counted once.
 */
class CooldownApplierTests {

	private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

	private static final Target WITH_BREAKER = new Target("openai", "gpt-4o");

	private static final Target WITHOUT_BREAKER = new Target("backup", "claude-3-5-haiku");

	private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final TargetResilience resilience;

	private final Pacing pacing = PacingFixture.pacing(this.clock, new MicrometerLlmMetrics(this.meters));

	private final CooldownApplier applier;

	CooldownApplierTests() {
		RetrySettings retry = new RetrySettings(1, Duration.ofSeconds(10), Duration.ofMillis(10), 1,
				Duration.ofMillis(10), 0, Set.of(429), true, true, true, Duration.ofSeconds(1), List.of());
		ResolvedPolicy policy = new ResolvedPolicy("default", List.of(WITH_BREAKER, WITHOUT_BREAKER), retry,
				Set.of(FailureKind.RATE_LIMITED), null);
		LlmPolicies policies = new LlmPolicies(Map.of("default", policy),
				Map.of(WITH_BREAKER, new CircuitBreakerSettings(true, 50, 10, 10, Duration.ofSeconds(30), 1),
						WITHOUT_BREAKER, new CircuitBreakerSettings(false, 50, 10, 10, Duration.ofSeconds(30), 1)));
		this.resilience = new TargetResilience(policies, RetryRegistry.ofDefaults(),
				CircuitBreakerRegistry.ofDefaults(), this.clock, ResilienceCustomizers.NONE);
		this.applier = new CooldownApplier(this.resilience, this.pacing, Set.of(WITH_BREAKER, WITHOUT_BREAKER),
				new MicrometerLlmMetrics(this.meters), this.clock);
	}

	@Test
	void aServerNamedWaitOpensTheCircuitUntilItsEndOnceAndALaterOneExtendsIt() {
		Instant until = NOW.plusSeconds(120);
		assertThat(this.applier.apply(new Cooldown(WITH_BREAKER, until, Cooldown.Cause.RETRY_AFTER))).isTrue();
		assertThat(this.resilience.circuitBreaker(WITH_BREAKER).getState()).isEqualTo(State.OPEN);
		assertThat(this.resilience.openUntil(WITH_BREAKER)).isEqualTo(until);
		assertThat(this.applier.apply(new Cooldown(WITH_BREAKER, until, Cooldown.Cause.RETRY_AFTER))).isFalse();
		assertThat(
				this.applier.apply(new Cooldown(WITH_BREAKER, until.plusSeconds(30), Cooldown.Cause.QUOTA_EXHAUSTED)))
			.isTrue();
		assertThat(this.resilience.openUntil(WITH_BREAKER)).isEqualTo(until.plusSeconds(30));
		assertThat(this.resilience.circuitBreaker(WITH_BREAKER).getMetrics().getNumberOfFailedCalls()).isZero();
		assertThat(applied("retry-after")).isEqualTo(1);
		assertThat(applied("quota-exhausted")).isEqualTo(1);
	}

	@Test
	void aUsedUpRateLimitHoldsRequestsBackAsPacingDoes() {
		Instant until = NOW.plusSeconds(20);
		assertThat(this.applier.apply(new Cooldown(WITH_BREAKER, until, Cooldown.Cause.RATE_LIMIT))).isTrue();
		assertThat(this.pacing.exhaustedUntil(WITH_BREAKER)).isEqualTo(until);
		assertThat(this.resilience.circuitBreaker(WITH_BREAKER).getState()).isEqualTo(State.CLOSED);
		assertThat(this.applier.apply(new Cooldown(WITH_BREAKER, until.minusSeconds(5), Cooldown.Cause.RATE_LIMIT)))
			.isFalse();
		assertThat(applied("rate-limit")).isEqualTo(1);
	}

	@Test
	void aTargetWithoutACircuitBreakerIsHeldBackByPacing() {
		Instant until = NOW.plusSeconds(120);
		assertThat(this.applier.apply(new Cooldown(WITHOUT_BREAKER, until, Cooldown.Cause.RETRY_AFTER))).isTrue();
		assertThat(this.pacing.exhaustedUntil(WITHOUT_BREAKER)).isEqualTo(until);
	}

	@Test
	void anEndedCooldownAndAnUnknownTargetAreIgnored() {
		assertThat(this.applier.apply(new Cooldown(WITH_BREAKER, NOW, Cooldown.Cause.RETRY_AFTER))).isFalse();
		assertThat(this.applier
			.apply(new Cooldown(new Target("other", "model"), NOW.plusSeconds(60), Cooldown.Cause.RETRY_AFTER)))
			.isFalse();
		assertThat(this.resilience.circuitBreaker(WITH_BREAKER).getState()).isEqualTo(State.CLOSED);
		assertThat(this.meters.find("llm.shared.cooldowns").counters()).isEmpty();
	}

	private double applied(String cause) {
		return this.meters.get("llm.shared.cooldowns").tags("direction", "applied", "cause", cause).counter().count();
	}

}
