package io.github.llmresilience.shared;

import java.time.Clock;

import reactor.core.scheduler.Scheduler;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * What the parts of the shared state work with: the application's Redis connections and a
 * template on them, the settings, the engine's clock, and the shared state's own threads
 * (creating the first connection blocks, so it never happens on a caller's).
 *
 * @param connectionFactory the application's Redis connections
 * @param template the template on them
 * @param settings the settings
 * @param clock the engine's clock
 * @param worker the shared state's threads
 */
record RedisResources(ReactiveRedisConnectionFactory connectionFactory, ReactiveStringRedisTemplate template,
		SharedStateSettings settings, Clock clock, Scheduler worker) {

}
