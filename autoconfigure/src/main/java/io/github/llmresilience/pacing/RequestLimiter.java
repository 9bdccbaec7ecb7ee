package io.github.llmresilience.pacing;

import reactor.core.publisher.Mono;

/**
 * A declared request limit ({@code llm.providers.<name>.rate-limit.requests-per-minute}):
 * one permit per request. Taking a permit never blocks a thread.
 */
public interface RequestLimiter {

	/**
	 * Take a permit if one is free now.
	 * @return 0 when a permit was taken, otherwise the nanoseconds until the next one is
	 * free (none was taken)
	 */
	Mono<Long> tryAcquire();

}
