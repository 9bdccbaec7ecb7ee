package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.Priority;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.client.ConnectionPoolExhaustedException;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.PacedAction;
import io.github.llmresilience.observation.RetryDenial;
import io.github.llmresilience.pacing.BatchQueue;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.RequestLimiter;
import io.github.llmresilience.pacing.RetryBudget;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.support.DurationText;

/**
 * Decides whether a request may go to its target now: go, wait (a Reactor timer, never a
 * parked thread) or skip the target without sending anything. It owns every rule of that
 * kind, so that the {@link LlmExecutor} only composes:
 * <ul>
 * <li><b>holds</b> before each attempt ({@link #admit}): a target whose rate limit its
 * headers say is used up, a provider's declared request limit with no permit free. Each
 * gives a wait, treated as a 429 with that {@code Retry-After}: waited for if the policy
 * allows it ({@code max-retry-after}, {@code max-elapsed}, the deadline), otherwise the
 * target is skipped as {@code rate-limited}, with a {@link PacedException} as cause so
 * that its circuit breaker ignores it; counted in {@code llm.paced};</li>
 * <li><b>the retry budget</b> of each provider: one check, {@link #mayResend}, for every
 * request beyond a call's first to a provider (a fallback to another model of it, a
 * hedge), and its veto of a retry the {@link RetryDecider} scheduled ({@link #review});
 * denials are counted in {@code llm.retries.denied};</li>
 * <li>the bookkeeping of what was sent ({@link #sent}).</li>
 * </ul>
 *
 * <p>
 * Where the rules to come plug in, without another class deciding the same question:
 * <ul>
 * <li>a new reason to hold an attempt back (the token buckets and the reservations
 * against the headers of declared token limits, the priorities' queue in front of the
 * connection pool) is one more step of {@link #admit} that finds its wait and hands it to
 * the one wait-or-skip rule, which counts it;</li>
 * <li>a pool's pick runs where {@link #admit} runs, once per attempt inside the slot's
 * retry: "can be sent to now" for a member is what the holds answer for it without
 * waiting, and a sideways move to a member of a provider the call already asked goes
 * through {@link #mayResend};</li>
 * <li>settling a reservation once an answer's usage is known belongs with {@link #sent},
 * which sees every request.</li>
 * </ul>
 */
final class TargetAdmission {

	private final Pacing pacing;

	private final RetryDecider decider;

	private final Clock clock;

	private final LlmMetrics metrics;

	TargetAdmission(Pacing pacing, RetryDecider decider, Clock clock, LlmMetrics metrics) {
		this.pacing = pacing;
		this.decider = decider;
		this.clock = clock;
		this.metrics = metrics;
	}

	/**
	 * Return an attempt held back for as long as its target's limits say: it is
	 * subscribed to once it may go, or fails with a {@link AttemptFailure} that gives the
	 * target up ({@link RetryDecision.Reason#PACED}) without subscribing to it.
	 * @param <T> the element type
	 * @param scope the attempt
	 * @param targetStart when the target's first attempt started
	 * @param attempt the attempt's request
	 * @return the attempt, admitted
	 */
	<T> Flux<T> admit(AttemptScope scope, Instant targetStart, Flux<T> attempt) {
		if (!this.pacing.mayHoldBack(scope.target())) {
			return attempt;
		}
		return Mono.defer(() -> usedUpLimit(scope, targetStart))
			.then(Mono.defer(() -> declaredLimit(scope, targetStart)))
			.thenMany(attempt);
	}

	/**
	 * Return whether a request that is a retry for its provider's budget may be sent: a
	 * request to a provider the call already sent to (a fallback to another of its
	 * models, a hedge; a hedge with {@code target: same} always is). A first request to a
	 * provider always may; it is counted when it is {@link #sent}. A denial is counted.
	 * @param call the logical call
	 * @param target the target the request would go to
	 * @return whether it may be sent; if so, and it is a retry, the budget counted it
	 */
	boolean mayResend(CallState call, Target target) {
		if (!call.hasSentTo(target.provider())) {
			return true;
		}
		RetryBudget budget = this.pacing.budget(target.provider());
		if (budget == null || budget.tryRetry()) {
			return true;
		}
		this.metrics.retryDenied(call.policy().name(), target, RetryDenial.RETRY_BUDGET);
		return false;
	}

	/**
	 * Return whether a call whose targets are all out may probe one: the probe always
	 * takes a permit of its provider's retry budget, as a retry does. A denial is
	 * counted.
	 * @param call the logical call
	 * @param target the target to probe
	 * @return whether the probe may be sent
	 */
	boolean mayProbe(CallState call, Target target) {
		RetryBudget budget = this.pacing.budget(target.provider());
		if (budget == null || budget.tryRetry()) {
			return true;
		}
		this.metrics.retryDenied(call.policy().name(), target, RetryDenial.RETRY_BUDGET);
		return false;
	}

	/**
	 * Review a decision made after a failed attempt: a retry goes only if its provider's
	 * budget allows it, unless the server asked for it with a wait (then the server paces
	 * it). A retry the server said not to make is counted as denied too.
	 * @param decision what the {@link RetryDecider} decided
	 * @param call the logical call
	 * @param target the target of the failed attempt
	 * @return the decision, or a give-up for {@link RetryDecision.Reason#RETRY_BUDGET}
	 */
	RetryDecision review(RetryDecision decision, CallState call, Target target) {
		if (decision.retry() && !decision.serverWait() && !mayResend(call, target)) {
			return RetryDecision.giveUp(RetryDecision.Reason.RETRY_BUDGET);
		}
		if (decision.reason() == RetryDecision.Reason.SERVER_SAID_NO) {
			this.metrics.retryDenied(call.policy().name(), target, RetryDenial.SERVER_SAID_NO);
		}
		return decision;
	}

	/**
	 * Take note of a request about to be sent: a call's first request to a provider
	 * counts for that provider's retry budget.
	 * @param call the logical call
	 * @param target the request's target
	 */
	void sent(CallState call, Target target) {
		if (call.firstRequestTo(target.provider())) {
			RetryBudget budget = this.pacing.budget(target.provider());
			if (budget != null) {
				budget.firstRequest();
			}
		}
	}

	/**
	 * Return one HTTP request of an attempt, held back in its provider's batch queue when
	 * it is a batch request and the provider's batch requests already hold their share of
	 * its connections; an interactive request goes straight to the connection pool. A
	 * request that waited longer than {@code pending-acquire-timeout} fails as a
	 * {@link FailureKind#CONNECTION connection} failure without being sent, as one that
	 * waited that long for a pooled connection does: its circuit breaker ignores it and
	 * the call falls back.
	 * @param <T> the element type
	 * @param scope the attempt
	 * @param requested the priority the request asks for, or {@code null} for the call's
	 * @param request the request
	 * @return the request, admitted
	 */
	<T> Flux<T> concurrency(AttemptScope scope, @Nullable Priority requested, Flux<T> request) {
		Priority priority = (requested != null) ? requested : scope.call().priority();
		if (priority != Priority.BATCH) {
			return request;
		}
		Target target = scope.target();
		BatchQueue queue = this.pacing.batchQueue(target.provider());
		if (queue == null) {
			return request;
		}
		return queue.admit(request, () -> {
			String property = "llm.providers." + target.provider();
			String description = "nothing sent: no batch request of " + target.provider() + " ended within "
					+ DurationText.format(queue.maxWait()) + " (" + property + ".pending-acquire-timeout; " + property
					+ ".batch-share lets " + queue.limit() + " batch requests be in flight at once)";
			return LlmException.builder(FailureKind.CONNECTION)
				.target(target.provider(), target.model())
				.description(description)
				.attempts(scope.call().attempts())
				.cause(new ConnectionPoolExhaustedException(description, new TimeoutException(description)))
				.build();
		});
	}

	private Mono<Void> usedUpLimit(AttemptScope scope, Instant targetStart) {
		Target target = scope.target();
		Instant until = this.pacing.exhaustedUntil(target);
		if (until == null) {
			return Mono.empty();
		}
		return waitOrSkip(scope, targetStart, Duration.between(this.clock.instant(), until),
				"the rate limit of " + target + " is used up until " + until);
	}

	private Mono<Void> declaredLimit(AttemptScope scope, Instant targetStart) {
		Target target = scope.target();
		RequestLimiter limiter = this.pacing.limiter(target.provider());
		if (limiter == null) {
			return Mono.empty();
		}
		return limiter.tryAcquire().flatMap((nanos) -> {
			if (nanos <= 0) {
				return Mono.empty();
			}
			// Another call may take the next permit first: then this one waits again.
			return waitOrSkip(scope, targetStart, Duration.ofNanos(nanos),
					"no request of llm.providers." + target.provider() + ".rate-limit.requests-per-minute is free")
				.then(Mono.defer(() -> declaredLimit(scope, targetStart)));
		});
	}

	/**
	 * The one rule for a hold's wait: as for a 429 whose {@code Retry-After} is that
	 * wait, wait if the policy allows it, otherwise give the target up without sending
	 * anything.
	 */
	private Mono<Void> waitOrSkip(AttemptScope scope, Instant targetStart, Duration wait, String why) {
		CallState call = scope.call();
		Target target = scope.target();
		if (this.decider.mayPace(wait, call.policy().retry(), targetStart, call.deadlineAt())) {
			this.metrics.paced(target, PacedAction.WAITED);
			return Mono.delay(wait).then();
		}
		this.metrics.paced(target, PacedAction.SKIPPED);
		LlmException paced = LlmException.builder(FailureKind.RATE_LIMITED)
			.target(target.provider(), target.model())
			.description("nothing sent: " + why)
			.retryAfter(wait)
			.attempts(call.attempts())
			.cause(new PacedException(why))
			.build();
		call.lastFailure(paced);
		call.failed(target, "rate-limited (paced)");
		return Mono.error(new AttemptFailure(paced, RetryDecision.giveUp(RetryDecision.Reason.PACED)));
	}

}
