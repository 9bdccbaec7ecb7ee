package io.github.llmresilience.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmresilience.actuate.LlmHealthIndicator;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.LocalRequestLimiter;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.RequestLimiter;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.shared.FleetRequestLimiters;
import io.github.llmresilience.shared.RedisSharedState;
import io.github.llmresilience.shared.SharedState;
import io.github.llmresilience.shared.SharedStateUnavailableException;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.failsToStart;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LlmSharedStateAutoConfiguration}: off by default, a clear start-up failure when
 * Redis is asked for without a connection factory, and an application that starts and
 * works alone when Redis does not answer. Its work against a real Redis is the starter's
 * {@code SharedStateIT}.
 */
class LlmSharedStateAutoConfigurationTests {

	private final ApplicationContextRunner runner = llmResilience(LlmSharedStateAutoConfiguration.class,
			LlmHealthContributorAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"llm.providers.openai.rate-limit.requests-per-minute=60", "llm.policies.default.model=gpt-4o");

	@Test
	void byDefaultNothingIsSharedAndDeclaredLimitsHoldPerInstance() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(SharedState.class).doesNotHaveBean(CooldownListener.class);
			assertThat(context.getBean(Pacing.class).limiter("openai")).isInstanceOf(LocalRequestLimiter.class);
			Health health = context.getBean(LlmHealthIndicator.class).health();
			assertThat(health.getDetails()).doesNotContainKey("sharedState");
		});
	}

	@Test
	void redisWithoutAConnectionFactoryFailsTheStartWithWhatToAdd() {
		this.runner.withPropertyValues("llm.shared-state.type=redis").run((context) -> {
			FailureAnalysis analysis = analysisOf(context, new LlmStartupFailureAnalyzer());
			assertThat(analysis.getDescription()).contains("llm.shared-state.type=redis")
				.contains("no ReactiveRedisConnectionFactory bean");
			assertThat(analysis.getAction()).contains("spring-boot-starter-data-redis-reactive")
				.contains("llm.shared-state.type=none");
		});
	}

	@Test
	void redisWithoutSpringDataRedisOnTheClasspathSaysSo() {
		this.runner.withPropertyValues("llm.shared-state.type=redis")
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run(failsToStart(SharedStateUnavailableException.class, "no Spring Data Redis on its classpath"));
	}

	@Test
	void declaredLimitsWithoutBucket4jFailTheStartRatherThanHoldPerInstance() {
		this.runner.withPropertyValues("llm.shared-state.type=redis")
			.withClassLoader(new FilteredClassLoader("io.github.bucket4j"))
			.withBean(LettuceConnectionFactory.class, () -> unstartedFactory(unusedPort()))
			.run((context) -> {
				FailureAnalysis analysis = analysisOf(context, new LlmStartupFailureAnalyzer());
				assertThat(analysis.getDescription()).contains("llm.providers.openai.rate-limit.requests-per-minute");
				assertThat(analysis.getAction()).contains("com.bucket4j:bucket4j_jdk17-lettuce");
			});
	}

	@Test
	void withoutDeclaredLimitsSharedStateNeedsNoBucket4j() {
		this.runner
			.withPropertyValues("llm.shared-state.type=redis", "llm.providers.openai.rate-limit.requests-per-minute=0")
			.withClassLoader(new FilteredClassLoader("io.github.bucket4j"))
			.withBean(LettuceConnectionFactory.class, () -> unstartedFactory(unusedPort()))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(RedisSharedState.class)
				.doesNotHaveBean(FleetRequestLimiters.class));
	}

	@Test
	void aKeyPrefixWithGlobCharactersIsRejected() {
		this.runner.withPropertyValues("llm.shared-state.type=redis", "llm.shared-state.key-prefix=llm*")
			.withBean(LettuceConnectionFactory.class, () -> unstartedFactory(unusedPort()))
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("llm.shared-state.key-prefix"));
	}

	@Test
	void whenRedisDoesNotAnswerTheApplicationStartsAloneAndSaysSoInItsHealth() {
		this.runner.withPropertyValues("llm.shared-state.type=redis")
			.withBean(LettuceConnectionFactory.class, () -> unstartedFactory(unusedPort()))
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(RedisSharedState.class)
					.hasSingleBean(FleetRequestLimiters.class);
				RedisSharedState sharedState = context.getBean(RedisSharedState.class);
				assertThat(sharedState.available()).isFalse();
				Health health = context.getBean(LlmHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				@SuppressWarnings("unchecked")
				Map<String, Object> details = (Map<String, Object>) health.getDetails().get("sharedState");
				assertThat(details).containsEntry("type", "redis")
					.containsEntry("status", "DOWN")
					.containsEntry("keyPrefix", "llm")
					.containsKey("reason");
				// The declared limit holds per instance meanwhile: one request a second.
				RequestLimiter limiter = context.getBean(Pacing.class).limiter("openai");
				StepVerifier.create(limiter.tryAcquire()).expectNext(0L).verifyComplete();
				StepVerifier.create(limiter.tryAcquire())
					.assertNext((nanos) -> assertThat(nanos).isPositive())
					.verifyComplete();
				// A cooldown learned meanwhile waits to be published, once.
				Cooldown cooldown = new Cooldown(new Target("openai", "gpt-4o"),
						java.time.Instant.now().plusSeconds(60), Cooldown.Cause.RETRY_AFTER);
				sharedState.learned(cooldown);
				sharedState.learned(cooldown);
				assertThat(sharedState.details()).containsEntry("pendingCooldowns", 1);
			});
	}

	private static LettuceConnectionFactory unstartedFactory(int port) {
		return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
