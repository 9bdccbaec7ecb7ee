package io.github.llmresilience.pacing;

import reactor.core.publisher.Mono;

/**
 * A declared token limit ({@code llm.providers.<name>.rate-limit.tokens-per-minute}): a
 * token bucket that a request takes its estimate from before it is sent, and that is
 * settled once its answer says what it used. Taking never blocks a thread.
 */
public interface TokenLimiter {

	/**
	 * Return the most tokens the bucket holds: a request estimated above it can never be
	 * sent.
	 * @return the tokens per minute
	 */
	long capacity();

	/**
	 * Take tokens if the bucket has them now.
	 * @param tokens the tokens
	 * @return 0 when they were taken, otherwise the nanoseconds until the bucket has them
	 * (none were taken)
	 */
	Mono<Long> tryTake(long tokens);

	/**
	 * Give tokens back: a request used fewer than it took, or was never sent.
	 * @param tokens the tokens
	 */
	void giveBack(long tokens);

	/**
	 * Take tokens whatever the bucket holds, below zero if need be: a request used more
	 * than it took.
	 * @param tokens the tokens
	 */
	void takeAnyway(long tokens);

	/**
	 * Return the tokens the bucket holds now, as far as this instance knows.
	 * @return the available tokens, negative while the bucket is in debt
	 */
	long available();

}
