package io.github.llmresilience.observation;

import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.Usage;
import io.github.llmresilience.policy.Target;

/**
 * The counters and token usage of llm-resilience. Without a {@code MeterRegistry} it is
 * {@link #NONE}.
 */
public interface LlmMetrics {

	/**
	 * Metrics that record nothing.
	 */
	LlmMetrics NONE = new LlmMetrics() {

		@Override
		public void retry(String policy, Target target, String reason) {
		}

		@Override
		public void fallback(String policy, Target from, Target to, FailureKind reason) {
		}

		@Override
		public void hedge(String policy, Target from, Target to, HedgeOutcome outcome) {
		}

		@Override
		public void usage(Target target, @Nullable String responseModel, Usage usage) {
		}

	};

	/**
	 * Count a retry scheduled on a target ({@code llm.retries}).
	 * @param policy the policy
	 * @param target the target retried
	 * @param reason the failure kind that caused it
	 */
	void retry(String policy, Target target, String reason);

	/**
	 * Count a move to the next target ({@code llm.fallbacks}).
	 * @param policy the policy
	 * @param from the target given up
	 * @param to the next target
	 * @param reason the failure kind that caused it
	 */
	void fallback(String policy, Target from, Target to, FailureKind reason);

	/**
	 * Count a hedge that was sent, once its race is over ({@code llm.hedges}).
	 * @param policy the policy
	 * @param from the target of the slow attempt the hedge raced
	 * @param to the target the hedge was sent to (the same one for {@code target: same})
	 * @param outcome whether the hedge answered first
	 */
	void hedge(String policy, Target from, Target to, HedgeOutcome outcome);

	/**
	 * Record the tokens of an answer ({@code gen_ai.client.token.usage}).
	 * @param target the target asked
	 * @param responseModel the model the server reported, or {@code null}
	 * @param usage the token counts
	 */
	void usage(Target target, @Nullable String responseModel, Usage usage);

	/**
	 * Record the input tokens of an embeddings answer ({@code gen_ai.client.token.usage}
	 * with {@code gen_ai.operation.name=embeddings}).
	 * @param target the target asked
	 * @param responseModel the model the server reported, or {@code null}
	 * @param usage the token counts
	 */
	default void embeddingsUsage(Target target, @Nullable String responseModel, Usage usage) {
	}

	/**
	 * Count a request that waited, or a target that was passed over, because a limit had
	 * no room for it ({@code llm.paced}).
	 * @param target the target
	 * @param action whether the request waited or the target was passed over
	 * @param limit which limit held it back
	 */
	default void paced(Target target, PacedAction action, PacedLimit limit) {
	}

	/**
	 * Count a retry that was not sent ({@code llm.retries.denied}).
	 * @param policy the policy
	 * @param target the target that was not retried
	 * @param reason the budget was spent or the server said no
	 */
	default void retryDenied(String policy, Target target, RetryDenial reason) {
	}

	/**
	 * Count a cooldown shared with the other instances of the application
	 * ({@code llm.shared.cooldowns}).
	 * @param target the target that cools down
	 * @param cause what the server said: the value of a cooldown's cause, such as
	 * {@code retry-after}
	 * @param direction published (this instance learned it and told the others) or
	 * applied (another instance learned it, and this one applied it)
	 */
	default void sharedCooldown(Target target, String cause, CooldownDirection direction) {
	}

	/**
	 * Show what a target's rate-limit headers last said remains
	 * ({@code llm.ratelimit.remaining}), as a gauge that reads the state it is given;
	 * called once per target and limit.
	 * @param <S> the type of the state
	 * @param target the target
	 * @param limit the limit
	 * @param state what holds the last value
	 * @param remaining reads the value from the state, {@code NaN} when unknown
	 */
	default <S> void rateLimitRemaining(Target target, RateLimitType limit, S state, ToDoubleFunction<S> remaining) {
	}

	/**
	 * Show whether a member of a pool can be sent to now
	 * ({@code llm.pool.member.available}), as a gauge that reads the state it is given;
	 * called once per pool and member.
	 * @param <S> the type of the state
	 * @param policy the policy
	 * @param slot the pool's slot: {@code primary}, {@code fallbacks[0]}, …
	 * @param member the member
	 * @param state what knows the member's state
	 * @param available reads 1 when the member can be sent to now, 0 when it is out
	 */
	default <S> void poolMemberAvailable(String policy, String slot, Target member, S state,
			ToDoubleFunction<S> available) {
	}

	/**
	 * Show what a target's requests in flight reserve of a limit
	 * ({@code llm.ratelimit.reserved}), as a gauge that reads the state it is given;
	 * called once per target and limit.
	 * @param <S> the type of the state
	 * @param target the target
	 * @param limit requests (the requests in flight) or tokens (the tokens they reserved)
	 * @param state what holds the value
	 * @param reserved reads the value from the state
	 */
	default <S> void rateLimitReserved(Target target, RateLimitType limit, S state, ToDoubleFunction<S> reserved) {
	}

	/**
	 * Show how many batch requests wait for their turn to a provider
	 * ({@code llm.batch.queued}), as a gauge that reads the queue it is given; called
	 * once per provider.
	 * @param <Q> the type of the queue
	 * @param provider the provider
	 * @param queue the queue
	 * @param queued reads how many requests wait in it
	 */
	default <Q> void batchQueued(String provider, Q queue, ToDoubleFunction<Q> queued) {
	}

}
