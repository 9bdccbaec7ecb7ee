package io.github.llmresilience.autoconfigure;

import java.time.Clock;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.shared.CooldownApplier;
import io.github.llmresilience.shared.FleetRequestLimiters;
import io.github.llmresilience.shared.RedisSharedState;
import io.github.llmresilience.shared.SharedStateSettings;
import io.github.llmresilience.support.EngineTime;

/**
 * State shared by the instances of the application through Redis, with
 * {@code llm.shared-state.type=redis} and a {@link ReactiveRedisConnectionFactory} bean
 * (Spring Data Redis, as {@code spring-boot-starter-data-redis-reactive} brings it):
 * cooldowns published and applied by every instance, and declared request limits held by
 * the fleet (with bucket4j's Lettuce integration on the classpath, as the starter brings
 * it). Without a connection factory, or with declared limits but without bucket4j, the
 * application fails to start, with a message that says what to add
 * ({@link SharedStateRequirements}).
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class,
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "llm.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "llm.shared-state.type", havingValue = "redis")
public final class LlmSharedStateAutoConfiguration {

	private static final String CONNECTION_FACTORY = SharedStateRequirements.CONNECTION_FACTORY;

	@Bean
	@ConditionalOnMissingBean
	SharedStateSettings llmSharedStateSettings(LlmProperties properties) {
		return LlmConfigurationResolver.sharedState(properties.getSharedState());
	}

	/**
	 * What shared state needs (Redis, and bucket4j for declared limits): without it the
	 * start fails, saying what to add.
	 */
	@Bean
	SharedStateRequirements llmSharedStateRequirements(ListableBeanFactory beanFactory, ResourceLoader resourceLoader,
			ObjectProvider<LlmSettings> settings) {
		return new SharedStateRequirements(beanFactory, resourceLoader.getClassLoader(), settings);
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
	@ConditionalOnClass(
			name = { SharedStateRequirements.BUCKET4J_LETTUCE, "io.lettuce.core.RedisClient", CONNECTION_FACTORY })
	@ConditionalOnBean(type = CONNECTION_FACTORY)
	static class FleetRequestLimitsConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		FleetRequestLimiters llmFleetRequestLimiters(RedisSharedState sharedState, EngineTime time) {
			return new FleetRequestLimiters(sharedState, time.clock());
		}

	}

}
