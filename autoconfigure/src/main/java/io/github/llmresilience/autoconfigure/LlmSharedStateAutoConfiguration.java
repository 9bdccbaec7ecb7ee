package io.github.llmresilience.autoconfigure;

import java.time.Clock;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.util.ClassUtils;

import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.shared.CooldownApplier;
import io.github.llmresilience.shared.FleetRequestLimiters;
import io.github.llmresilience.shared.RedisSharedState;
import io.github.llmresilience.shared.SharedStateSettings;
import io.github.llmresilience.shared.SharedStateUnavailableException;
import io.github.llmresilience.support.EngineTime;

/**
 * State shared by the instances of the application through Redis, with
 * {@code llm.shared-state.type=redis} and a {@link ReactiveRedisConnectionFactory} bean
 * (Spring Data Redis, as {@code spring-boot-starter-data-redis-reactive} brings it):
 * cooldowns published and applied by every instance, and declared request limits held by
 * the fleet (with bucket4j's Lettuce integration on the classpath, as the starter brings
 * it). Without a connection factory the application fails to start, with a message that
 * says what to add.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class,
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "llm.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "llm.shared-state.type", havingValue = "redis")
public final class LlmSharedStateAutoConfiguration {

	private static final String CONNECTION_FACTORY = "org.springframework.data.redis.connection.ReactiveRedisConnectionFactory";

	@Bean
	@ConditionalOnMissingBean
	SharedStateSettings llmSharedStateSettings(LlmProperties properties) {
		return LlmConfigurationResolver.sharedState(properties.getSharedState());
	}

	/**
	 * Redis through the application's reactive connection factory.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = CONNECTION_FACTORY)
	@ConditionalOnBean(type = CONNECTION_FACTORY)
	static class RedisSharedStateConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RedisSharedState llmSharedState(ReactiveRedisConnectionFactory connectionFactory, SharedStateSettings settings,
				EngineTime time, ObjectProvider<LlmMetrics> metrics, ObjectProvider<TargetResilience> resilience,
				ObjectProvider<Pacing> pacing, ObjectProvider<LlmPolicies> policies) {
			Clock engineClock = time.clock();
			LlmMetrics meters = metrics.getIfAvailable(() -> LlmMetrics.NONE);
			// The engine's beans are asked for when the application starts: the pacing,
			// which this
			// bean feeds, is created after it.
			return new RedisSharedState(connectionFactory, settings, engineClock, meters,
					() -> new CooldownApplier(resilience.getObject(), pacing.getObject(),
							policies.getObject().circuitBreakers().keySet(), meters, engineClock));
		}

	}

	/**
	 * Declared limits held by the fleet, with bucket4j's Lettuce integration, which the
	 * application adds for them.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "io.github.bucket4j.redis.lettuce.Bucket4jLettuce", "io.lettuce.core.RedisClient",
			CONNECTION_FACTORY })
	@ConditionalOnBean(type = CONNECTION_FACTORY)
	static class FleetRequestLimitsConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		FleetRequestLimiters llmFleetRequestLimiters(RedisSharedState sharedState, EngineTime time) {
			return new FleetRequestLimiters(sharedState, time.clock());
		}

	}

	/**
	 * Shared state with declared limits but without bucket4j: the limits would silently
	 * hold per instance, so the start says what to add.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("io.github.bucket4j.redis.lettuce.Bucket4jLettuce")
	@ConditionalOnBean(type = CONNECTION_FACTORY)
	static class MissingBucket4jConfiguration {

		@Bean
		Object llmFleetRequestLimitsUnavailable(LlmSettings settings) {
			List<String> declared = settings.pacing()
				.stream()
				.filter((provider) -> provider.requestsPerMinute() > 0)
				.map((provider) -> "llm.providers." + provider.provider() + ".rate-limit.requests-per-minute")
				.toList();
			if (!declared.isEmpty()) {
				throw new SharedStateUnavailableException("llm.shared-state.type=redis makes declared request limits "
						+ "hold for the whole fleet, with bucket4j's Lettuce integration, which is not on the classpath; "
						+ "without it " + declared + " would hold per instance",
						"Add com.bucket4j:bucket4j_jdk17-lettuce to the application, or remove the declared limits "
								+ "(the providers' rate-limit headers still pace the fleet).");
			}
			return declared;
		}

	}

	/**
	 * No Redis: the application asked for something it cannot have, and must say
	 * otherwise.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(type = CONNECTION_FACTORY)
	static class MissingConnectionFactoryConfiguration {

		@Bean
		Object llmSharedStateUnavailable(ResourceLoader resourceLoader) {
			boolean springDataRedis = ClassUtils.isPresent(CONNECTION_FACTORY, resourceLoader.getClassLoader());
			throw new SharedStateUnavailableException(
					"llm.shared-state.type=redis shares cooldowns and declared limits through Redis, but the "
							+ "application has "
							+ (springDataRedis ? "no ReactiveRedisConnectionFactory bean"
									: "no Spring Data Redis on its classpath"),
					"Add spring-boot-starter-data-redis-reactive to the application and point it at Redis "
							+ "(spring.data.redis.host, spring.data.redis.port or spring.data.redis.url), or define a "
							+ "ReactiveRedisConnectionFactory bean; or set llm.shared-state.type=none, and each "
							+ "instance learns on its own.");
		}

	}

}
