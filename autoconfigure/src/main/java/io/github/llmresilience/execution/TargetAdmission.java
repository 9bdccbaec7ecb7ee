package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.client.SentRequest;
import io.github.llmresilience.Priority;
import io.github.llmresilience.client.ConnectionPoolExhaustedException;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.PacedAction;
import io.github.llmresilience.observation.PacedLimit;
import io.github.llmresilience.observation.RateLimitType;
import io.github.llmresilience.observation.RetryDenial;
import io.github.llmresilience.pacing.BatchQueue;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.RequestLimiter;
import io.github.llmresilience.pacing.RetryBudget;
import io.github.llmresilience.pacing.TargetReservations;
import io.github.llmresilience.pacing.TokenEstimator;
import io.github.llmresilience.pacing.TokenEstimator.Estimate;
import io.github.llmresilience.pacing.TokenLimiter;
import io.github.llmresilience.policy.PoolMember;
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
 * <li><b>each HTTP request</b>, in the client, not per attempt (an {@code @LlmCall}
 * attempt may send several), {@link #reserve}: the context pre-check (a target whose
 * {@code max-input-tokens} is below the estimated prompt, +5 %, or whose provider's
 * declared {@code tokens-per-minute} is below the estimate, is passed over as
 * {@code context-length} without a request), the declared token limit (the estimate is
 * taken from the provider's bucket and settled by the answer), and the reservations
 * against the target's reported budgets ({@link TargetReservations}). A hold there is a
 * wait or a skip by the same rule as before an attempt.</li>
 * </ul>
 *
 * <p>
 * Where the rules to come plug in, without another class deciding the same question:
 * <ul>
 * <li>a new reason to hold an attempt back (the token buckets and the reservations
 * against the headers of declared token limits, the priorities' queue in front of the
 * connection pool) is one more step of {@link #admit} that finds its wait and hands it to
 * the one wait-or-skip rule, which counts it;</li>
 * <li>a pool's pick ({@link #pick}) runs where {@link #admit} runs, once per attempt
 * inside the slot's retry: "can be sent to now" for a member is what the holds answer for
 * it without waiting (its circuit, its used-up limit, its server's wait), and a sideways
 * move ({@link #sideways}) to a member of a provider the call already asked goes through
 * {@link #mayResend}; a new hold should answer for a member too;</li>
 * <li>settling a reservation once an answer's usage is known belongs with {@link #sent},
 * which sees every request.</li>
 * </ul>
 */
final class TargetAdmission {

	private static final Log logger = LogFactory.getLog(TargetAdmission.class);

	/**
	 * What the pre-check adds to an estimated prompt before it compares it with a
	 * target's {@code max-input-tokens}: an estimate is not a count.
	 */
	static final double CONTEXT_MARGIN = 1.05;

	private final Pacing pacing;

	private final TokenEstimator estimator = TokenEstimator.create(TargetAdmission.class.getClassLoader());

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
		return !call.hasSentTo(target.provider()) || takeRetryPermit(call, target);
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
		return takeRetryPermit(call, target);
	}

	/**
	 * Take a permit of the target's provider's retry budget (always given where retries
	 * to it are not limited), counting a denial.
	 */
	private boolean takeRetryPermit(CallState call, Target target) {
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
	 * Pick the member of a pool slot for an attempt, on what this instance knows: among
	 * the lowest tier that has a member that can be sent to now (circuit not open, no
	 * known exhausted limit, no server-named wait running), the pool's strategy or the
	 * call's affinity key chooses; the member a sideways move chose goes first. When no
	 * member of that tier can be sent to now, the attempt waits for the earliest one
	 * expected back, if that wait is one the policy allows ({@code max-retry-after}, the
	 * slot's {@code max-elapsed}, the deadline); a tier whose members are all beyond that
	 * is out, and the next tier serves. Only the chosen member's declared-limit permit is
	 * taken; a denial moves sideways to another member that can be sent to now, and only
	 * when there is none does the attempt wait for the permit.
	 * @param pool the call's try of the slot
	 * @param unavailable members found not to take requests now (a half-open circuit with
	 * no permit left), passed over for this attempt
	 * @return the member, once the attempt may go to it; or a failure that gives the slot
	 * up ({@link RetryDecision.Reason#PACED}) when every member is out
	 */
	Mono<PoolMember> pick(PoolTry pool, Set<Target> unavailable, @Nullable Target preferred) {
		return Mono.defer(() -> {
			PoolMember next = (preferred != null) ? pool.slot.member(preferred) : pool.takeNext();
			Instant now = this.clock.instant();
			if (next != null && !unavailable.contains(next.target()) && outUntil(pool, next.target(), now) == null) {
				return permit(pool, next, unavailable, new HashSet<>());
			}
			Selection selection = select(pool, Set.of(), unavailable, now);
			if (!selection.ready().isEmpty()) {
				return permit(pool, choose(pool, selection.ready()), unavailable, new HashSet<>());
			}
			PoolMember earliest = selection.waitFor();
			Instant until = selection.until();
			if (earliest != null && until != null) {
				this.metrics.paced(earliest.target(), PacedAction.WAITED, PacedLimit.REQUESTS);
				return Mono.delay(Duration.between(now, until)).then(pick(pool, unavailable, null));
			}
			return Mono.error(allOut(pool, now));
		});
	}

	/**
	 * Return the member a failed attempt's next one moves to at once, without a wait:
	 * another member that can be sent to now, of the lowest tier that is not out. A move
	 * to a member of a provider the call already sent to is a retry for that provider's
	 * budget; a denial passes that member over too.
	 * @param pool the call's try of the slot
	 * @param failed the member whose attempt failed
	 * @return the member, or {@code null} when there is none and the normal wait applies
	 */
	@Nullable PoolMember sideways(PoolTry pool, Target failed) {
		pool.passed(failed);
		while (true) {
			Selection selection = select(pool, pool.passed(), Set.of(), this.clock.instant());
			if (selection.ready().isEmpty()) {
				return null;
			}
			PoolMember member = choose(pool, selection.ready());
			if (mayResend(pool.call, member.target())) {
				return member;
			}
			pool.passed(member.target());
		}
	}

	/**
	 * Return the member a hedge of a pool slot goes to: another member than the one in
	 * flight that can be sent to now, of the lowest tier that is not out. Its budget is
	 * asked when the hedge is sent.
	 * @param pool the call's try of the slot
	 * @param inFlight the member of the attempt in flight
	 * @return the member, or {@code null} if there is none
	 */
	@Nullable PoolMember hedgeMember(PoolTry pool, Target inFlight) {
		Selection selection = select(pool, Set.of(inFlight), Set.of(), this.clock.instant());
		return selection.ready().isEmpty() ? null : choose(pool, selection.ready());
	}

	/**
	 * Take the chosen member's declared-limit permit; a denial is a sideways move.
	 */
	private Mono<PoolMember> permit(PoolTry pool, PoolMember member, Set<Target> unavailable, Set<Target> denied) {
		RequestLimiter limiter = this.pacing.limiter(member.target().provider());
		if (limiter == null) {
			return Mono.just(member);
		}
		return limiter.tryAcquire().flatMap((nanos) -> {
			if (nanos <= 0) {
				return Mono.just(member);
			}
			denied.add(member.target());
			Set<Target> passedOver = new HashSet<>(unavailable);
			passedOver.addAll(denied);
			Instant now = this.clock.instant();
			Selection selection = select(pool, Set.of(), passedOver, now);
			if (!selection.ready().isEmpty()) {
				return permit(pool, choose(pool, selection.ready()), unavailable, denied);
			}
			Duration wait = Duration.ofNanos(nanos);
			String why = "no request of llm.providers." + member.target().provider()
					+ ".rate-limit.requests-per-minute is free";
			if (this.decider.mayPace(wait, pool.call.policy().retry(), pool.start, pool.call.deadlineAt())) {
				this.metrics.paced(member.target(), PacedAction.WAITED, PacedLimit.REQUESTS);
				return Mono.delay(wait).then(Mono.defer(() -> permit(pool, member, unavailable, new HashSet<>())));
			}
			this.metrics.paced(member.target(), PacedAction.SKIPPED, PacedLimit.REQUESTS);
			return Mono.error(paced(pool.call, member.target(), wait, why));
		});
	}

	private PoolMember choose(PoolTry pool, List<PoolMember> ready) {
		return PoolPicker.choose(ready, pool.state, this.decider.random(), pool.affinityKey);
	}

	/**
	 * Find the lowest tier that is not out: its members that can be sent to now, or, when
	 * it has none, the earliest of its members expected back within what the policy may
	 * wait. Members passed over by a sideways move count as in (they are not out, only
	 * not chosen again before a wait); unavailable ones count as out.
	 */
	private Selection select(PoolTry pool, Set<Target> passed, Set<Target> unavailable, Instant now) {
		TreeMap<Integer, List<PoolMember>> tiers = new TreeMap<>();
		for (PoolMember member : pool.slot.members()) {
			tiers.computeIfAbsent(member.tier(), (tier) -> new ArrayList<>()).add(member);
		}
		for (List<PoolMember> tier : tiers.values()) {
			List<PoolMember> ready = new ArrayList<>(tier.size());
			PoolMember earliest = null;
			Instant earliestAt = null;
			boolean in = false;
			for (PoolMember member : tier) {
				Target target = member.target();
				if (unavailable.contains(target)) {
					continue;
				}
				Instant out = outUntil(pool, target, now);
				if (out == null) {
					if (passed.contains(target)) {
						in = true;
					}
					else {
						ready.add(member);
					}
					continue;
				}
				if (out != PoolTry.NEVER && this.decider.mayPace(Duration.between(now, out), pool.call.policy().retry(),
						pool.start, pool.call.deadlineAt())) {
					in = true;
					if (earliestAt == null || out.isBefore(earliestAt)) {
						earliest = member;
						earliestAt = out;
					}
				}
			}
			if (!ready.isEmpty()) {
				return new Selection(ready, null, null);
			}
			if (in) {
				return new Selection(List.of(), earliest, earliestAt);
			}
		}
		return new Selection(List.of(), null, null);
	}

	/**
	 * Return whether a member of a pool can be sent to now.
	 * @param resilience the members' circuit breakers
	 * @param pool the pool's state
	 * @param target the member
	 * @return whether its circuit is not open, its limit not used up and no wait its
	 * server asked for is running
	 */
	boolean canSendNow(TargetResilience resilience, PoolState pool, Target target) {
		return outUntil(resilience.circuitOpenUntil(target), pool, target, this.clock.instant()) == null;
	}

	private @Nullable Instant outUntil(PoolTry pool, Target target, Instant now) {
		return outUntil(pool.circuitOpenUntil(target), pool.state, target, now);
	}

	/**
	 * Return until when a member may not be sent to, from what this instance knows: its
	 * open circuit, its used-up rate limit (reported, or used up by what was sent since
	 * the report), its server's named wait.
	 */
	private @Nullable Instant outUntil(@Nullable Instant circuitOpenUntil, PoolState state, Target target,
			Instant now) {
		Instant until = circuitOpenUntil;
		Instant exhausted = this.pacing.exhaustedUntil(target);
		if (exhausted != null && (until == null || exhausted.isAfter(until))) {
			until = exhausted;
		}
		// What was sent since its last report uses up what it said was left: a request
		// would only wait for the reset on this member.
		Instant reserved = this.pacing.reservedUntil(target);
		if (reserved != null && (until == null || reserved.isAfter(until))) {
			until = reserved;
		}
		Instant serverWait = state.serverWait(target, now);
		if (serverWait != null && (until == null || serverWait.isAfter(until))) {
			until = serverWait;
		}
		return (until != null && until.isAfter(now)) ? until : null;
	}

	/**
	 * Every member of every tier is out beyond what the policy may wait: the slot is
	 * given up without a request, as circuit-open when every member's circuit is open,
	 * else as paced.
	 */
	private AttemptFailure allOut(PoolTry pool, Instant now) {
		boolean circuits = true;
		Instant earliest = null;
		for (PoolMember member : pool.slot.members()) {
			Target target = member.target();
			circuits &= pool.circuitOpenUntil(target) != null;
			Instant out = outUntil(pool, target, now);
			// For the policy's when-all-unavailable: every member is out, and when each
			// is expected back.
			pool.call.out(target, (out != null && out != PoolTry.NEVER) ? out : null);
			if (out != null && out != PoolTry.NEVER && (earliest == null || out.isBefore(earliest))) {
				earliest = out;
			}
		}
		CallState call = pool.call;
		Target first = pool.slot.target();
		String why = "every member of pool " + pool.slot.name() + " " + pool.slot.targets() + " is out";
		if (circuits) {
			LlmException open = LlmException.builder(FailureKind.CIRCUIT_OPEN)
				.target(first.provider(), first.model())
				.description(why + ": their circuit breakers are open")
				.attempts(call.attempts())
				.build();
			call.lastFailure(open);
			call.failed(first, FailureKind.CIRCUIT_OPEN.value());
			return new AttemptFailure(open, RetryDecision.giveUp(RetryDecision.Reason.PACED));
		}
		Duration wait = (earliest != null) ? Duration.between(now, earliest) : null;
		return paced(call, first, wait, why + " for longer than the policy may wait");
	}

	private AttemptFailure paced(CallState call, Target target, @Nullable Duration wait, String why) {
		LlmException.Builder builder = LlmException.builder(FailureKind.RATE_LIMITED)
			.target(target.provider(), target.model())
			.description("nothing sent: " + why)
			.attempts(call.attempts())
			.cause(new PacedException(why));
		if (wait != null) {
			builder.retryAfter(wait);
		}
		LlmException paced = builder.build();
		call.lastFailure(paced);
		call.failed(target, "rate-limited (paced)");
		return new AttemptFailure(paced, RetryDecision.giveUp(RetryDecision.Reason.PACED));
	}

	/**
	 * What a pool's tier offers: members that can be sent to now, or the earliest one to
	 * wait for, or neither when every tier is out.
	 */
	private record Selection(List<PoolMember> ready, @Nullable PoolMember waitFor, @Nullable Instant until) {

	}

	/**
	 * The application shuts down: the batch queues give no more places, so that no queued
	 * request is sent while the calls are being ended.
	 */
	void shutdown() {
		this.pacing.batchQueues().values().forEach(BatchQueue::close);
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

	/**
	 * Return one HTTP request of an attempt that gives one answer, held back as
	 * {@link #concurrency(AttemptScope, Priority, Flux)} says; a request no batch queue
	 * holds is returned as it is.
	 * @param <T> the answer's type
	 * @param scope the attempt
	 * @param requested the priority the request asks for, or {@code null} for the call's
	 * @param request the request
	 * @return the request, admitted
	 */
	<T> Mono<T> concurrency(AttemptScope scope, @Nullable Priority requested, Mono<T> request) {
		Priority priority = (requested != null) ? requested : scope.call().priority();
		if (priority != Priority.BATCH || this.pacing.batchQueue(scope.target().provider()) == null) {
			return request;
		}
		return concurrency(scope, requested, request.flux()).singleOrEmpty();
	}

	private Mono<Void> usedUpLimit(AttemptScope scope, Instant targetStart) {
		Target target = scope.target();
		Instant until = this.pacing.exhaustedUntil(target);
		if (until == null) {
			return Mono.empty();
		}
		return waitOrSkip(scope, targetStart, Duration.between(this.clock.instant(), until),
				"the rate limit of " + target + " is used up until " + until,
				(this.pacing.exhaustedLimit(target) == RateLimitType.TOKENS) ? PacedLimit.TOKENS : PacedLimit.REQUESTS);
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
					"no request of llm.providers." + target.provider() + ".rate-limit.requests-per-minute is free",
					PacedLimit.REQUESTS)
				.then(Mono.defer(() -> declaredLimit(scope, targetStart)));
		});
	}

	/**
	 * Return whether a request to a target is reserved before it is sent, so that the
	 * client asks {@link #reserve}; when not, it sends at once and estimates nothing.
	 * @param target the target
	 * @return whether to reserve
	 */
	boolean reserves(Target target) {
		return this.pacing.reservesRequests(target.provider());
	}

	/**
	 * Estimate a chat request to a target.
	 * @param target the target
	 * @param request the request
	 * @return the estimate, computed when first asked for
	 */
	Estimates estimate(Target target, io.github.llmresilience.ChatRequest request) {
		return new RequestEstimates(this.estimator, target.model(), request, null);
	}

	/**
	 * Estimate an embeddings request to a target: its inputs only.
	 * @param target the target
	 * @param request the request
	 * @return the estimate, computed when first asked for
	 */
	Estimates estimate(Target target, io.github.llmresilience.EmbeddingRequest request) {
		return new RequestEstimates(this.estimator, target.model(), null, request);
	}

	/**
	 * A request's estimates, each computed when first asked for and then kept: the
	 * declared limits and the pre-check count with the model's encoding (loading it in
	 * the background on first use); the reported budgets, which every request to a
	 * provider whose headers are read is set against, use it only once something loaded
	 * it, so that reading headers (on by default) never costs an encoding's load. One
	 * object per request, asked by one attempt at a time.
	 */
	abstract static class Estimates {

		private @Nullable Estimate full;

		private @Nullable Estimate quick;

		/**
		 * Use one estimate for both.
		 * @param estimate the estimate
		 * @return the estimates
		 */
		static Estimates of(Supplier<Estimate> estimate) {
			return new Estimates() {

				@Override
				Estimate compute(boolean mayLoad) {
					return estimate.get();
				}

			};
		}

		/**
		 * Return the estimate of the declared limits and the pre-check.
		 * @return the estimate
		 */
		final Estimate full() {
			return kept(true);
		}

		/**
		 * Return the estimate of the reported budgets.
		 * @return the estimate
		 */
		final Estimate quick() {
			return kept(false);
		}

		private Estimate kept(boolean mayLoad) {
			Estimate kept = mayLoad ? this.full : this.quick;
			if (kept == null) {
				kept = compute(mayLoad);
				if (mayLoad) {
					this.full = kept;
				}
				else {
					this.quick = kept;
				}
			}
			return kept;
		}

		/**
		 * Compute an estimate.
		 * @param mayLoad whether the model's encoding may be loaded for it (in the
		 * background, if it is not yet)
		 * @return the estimate
		 */
		abstract Estimate compute(boolean mayLoad);

	}

	/**
	 * The estimates of one chat or embeddings request.
	 */
	private static final class RequestEstimates extends Estimates {

		private final TokenEstimator estimator;

		private final String model;

		private final io.github.llmresilience.@Nullable ChatRequest chat;

		private final io.github.llmresilience.@Nullable EmbeddingRequest embeddings;

		RequestEstimates(TokenEstimator estimator, String model, io.github.llmresilience.@Nullable ChatRequest chat,
				io.github.llmresilience.@Nullable EmbeddingRequest embeddings) {
			this.estimator = estimator;
			this.model = model;
			this.chat = chat;
			this.embeddings = embeddings;
		}

		@Override
		Estimate compute(boolean mayLoad) {
			io.github.llmresilience.ChatRequest chat = this.chat;
			return (chat != null) ? this.estimator.estimate(this.model, chat, mayLoad)
					: this.estimator.estimate(this.model, Objects.requireNonNull(this.embeddings), mayLoad);
		}

	}

	/**
	 * Reserve one HTTP request to an attempt's target before it is sent: the context
	 * pre-check, the provider's declared token limit and the target's reported budgets.
	 * It waits while they have no room (a Reactor timer), or passes the target over
	 * without a request, with an {@link AttemptFailure} that gives it up.
	 * @param scope the attempt
	 * @param estimate the request's estimate, asked for only when a rule needs it
	 * @return the reservation, to settle once the request is over
	 */
	Mono<Reservation> reserve(AttemptScope scope, Estimates estimates) {
		return Mono.defer(() -> {
			Target target = scope.target();
			Instant targetStart = (scope.targetStart() != null) ? scope.targetStart() : this.clock.instant();
			Long maxInput = this.pacing.maxInputTokens(target);
			if (maxInput != null) {
				long prompt = estimates.full().promptTokens();
				if (Math.ceil(prompt * CONTEXT_MARGIN) > maxInput) {
					return passOver(scope, PacedLimit.CONTEXT, "the prompt's estimated " + prompt
							+ " tokens (+5 %) are more than the " + maxInput + " of max-input-tokens of " + target);
				}
			}
			TokenLimiter tokens = this.pacing.tokenLimiter(target.provider());
			long declared = 0;
			if (tokens != null) {
				declared = estimates.full().declared(this.pacing.completionReserve(target.provider()));
				if (declared > tokens.capacity()) {
					return passOver(scope, PacedLimit.CONTEXT,
							"the request's estimated " + declared + " tokens can never fit in llm.providers."
									+ target.provider() + ".rate-limit.tokens-per-minute (" + tokens.capacity() + ")");
				}
			}
			long reserved = declared;
			TargetReservations reservations = this.pacing.reservations(target);
			java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
			Runnable giveBack = () -> {
				// Held back for longer than the policy waits, or cancelled while held:
				// nothing is sent, so the tokens taken go back.
				if (tokens != null && taken.compareAndSet(true, false)) {
					tokens.giveBack(reserved);
				}
			};
			Mono<Void> declaredLimit = (tokens != null)
					? takeTokens(scope, targetStart, tokens, reserved).doOnSuccess((done) -> taken.set(true))
					: Mono.empty();
			return declaredLimit.then(Mono.defer(() -> counted(scope, targetStart, reservations, estimates, reserved)))
				.map((sent) -> new Reservation(tokens, reserved, reservations, sent, this.clock))
				.doOnError((failure) -> giveBack.run())
				.doOnCancel(giveBack);
		});
	}

	private Mono<Void> takeTokens(AttemptScope scope, Instant targetStart, TokenLimiter tokens, long estimate) {
		Target target = scope.target();
		return tokens.tryTake(estimate).flatMap((nanos) -> {
			if (nanos <= 0) {
				return Mono.empty();
			}
			// Another request may take the refilled tokens first: then this one waits
			// again.
			return waitOrSkip(scope, targetStart, Duration.ofNanos(nanos),
					"llm.providers." + target.provider() + ".rate-limit.tokens-per-minute has no room for the "
							+ "request's estimated " + estimate + " tokens",
					PacedLimit.TOKENS)
				.then(Mono.defer(() -> takeTokens(scope, targetStart, tokens, estimate)));
		});
	}

	/**
	 * Count the request against the target's reported budgets, waiting while they have no
	 * room for it.
	 */
	private Mono<SentRequest> counted(AttemptScope scope, Instant targetStart,
			@Nullable TargetReservations reservations, Estimates estimates, long reserved) {
		if (reservations == null) {
			return Mono.just(NOT_COUNTED);
		}
		Instant now = this.clock.instant();
		if (!this.pacing.reservesAgainstHeaders(scope.target().provider())) {
			return Mono.just(reservations.sendUncounted(reserved));
		}
		// Every request is charged, before any report too: a report is set against the
		// tokens of the requests sent after its own.
		long againstHeaders = estimates.quick().againstHeaders();
		TargetReservations.Outcome outcome = reservations.trySend(againstHeaders,
				(reserved > 0) ? reserved : againstHeaders, now);
		SentRequest sent = outcome.sent();
		if (sent != null) {
			return Mono.just(sent);
		}
		Instant until = (outcome.heldUntil() != null) ? outcome.heldUntil() : now;
		boolean byTokens = outcome.limit() == RateLimitType.TOKENS;
		return waitOrSkip(scope, targetStart, Duration.between(now, until),
				"what was sent to " + scope.target() + " since its last rate-limit report uses up its "
						+ (byTokens ? "tokens" : "requests") + " until " + until,
				byTokens ? PacedLimit.TOKENS : PacedLimit.REQUESTS)
			.then(Mono.defer(() -> counted(scope, targetStart, reservations, estimates, reserved)));
	}

	/**
	 * Reserve one HTTP request at once, without a publisher, when nothing may hold it
	 * back: its target has no {@code max-input-tokens}, its provider no declared token
	 * limit, and the target's reported budgets have room for it (or are not counted
	 * against). Most requests are reserved this way; when it returns {@code null},
	 * nothing was taken and {@link #reserve} decides.
	 * @param scope the attempt
	 * @param estimates the request's estimates, asked for only when the reported budgets
	 * count its tokens
	 * @return the reservation, or {@code null} if the request may have to wait or be
	 * passed over
	 */
	@Nullable Reservation reserveNow(AttemptScope scope, Estimates estimates) {
		Target target = scope.target();
		if (this.pacing.maxInputTokens(target) != null || this.pacing.tokenLimiter(target.provider()) != null) {
			return null;
		}
		TargetReservations reservations = this.pacing.reservations(target);
		if (reservations == null) {
			return new Reservation(null, 0, null, NOT_COUNTED, this.clock);
		}
		if (!this.pacing.reservesAgainstHeaders(target.provider())) {
			return new Reservation(null, 0, reservations, reservations.sendUncounted(0), this.clock);
		}
		long againstHeaders = estimates.quick().againstHeaders();
		SentRequest sent = reservations.trySend(againstHeaders, againstHeaders, this.clock.instant()).sent();
		return (sent != null) ? new Reservation(null, 0, reservations, sent, this.clock) : null;
	}

	/**
	 * Pass a target over without a request, as {@code context-length}: the chain goes on
	 * to the next target whatever {@code fallback-on} says.
	 */
	private <T> Mono<T> passOver(AttemptScope scope, PacedLimit limit, String why) {
		CallState call = scope.call();
		Target target = scope.target();
		this.metrics.paced(target, PacedAction.SKIPPED, limit);
		if (logger.isInfoEnabled()) {
			logger.info("Policy '" + call.policy().name() + "' passes " + target + " over: " + why);
		}
		LlmException tooLarge = LlmException.builder(FailureKind.CONTEXT_LENGTH)
			.target(target.provider(), target.model())
			.description("nothing sent: " + why)
			.attempts(call.attempts())
			.cause(new PacedException(why, true))
			.build();
		call.lastFailure(tooLarge);
		call.failed(target, "context-length (passed over)");
		return Mono.error(new AttemptFailure(tooLarge, RetryDecision.giveUp(RetryDecision.Reason.PACED)));
	}

	private static final SentRequest NOT_COUNTED = SentRequest.uncounted(0);

	/**
	 * One HTTP request's hold on its target's limits, settled once: by its answer's
	 * usage, kept when none is known, or given back when nothing was sent.
	 */
	static final class Reservation {

		static final Reservation NONE = new Reservation(null, 0, null, NOT_COUNTED, Clock.systemUTC());

		private final @Nullable TokenLimiter tokens;

		private final long reserved;

		private final @Nullable TargetReservations reservations;

		private final SentRequest sent;

		private final Clock clock;

		private final java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();

		Reservation(@Nullable TokenLimiter tokens, long reserved, @Nullable TargetReservations reservations,
				SentRequest sent, Clock clock) {
			this.tokens = tokens;
			this.reserved = reserved;
			this.reservations = reservations;
			this.sent = sent;
			this.clock = clock;
		}

		/**
		 * Return the request as counted against its target's headers.
		 * @return the request
		 */
		SentRequest sent() {
			return this.sent;
		}

		/**
		 * The answer reported what the request used: the difference to what it took is
		 * given back, or taken.
		 * @param used the tokens used, or {@code null} if the answer reported none (then
		 * the estimate is kept)
		 */
		void settle(@Nullable Long used) {
			if (!this.settled.compareAndSet(false, true)) {
				return;
			}
			if (this.tokens != null && used != null) {
				long difference = this.reserved - used;
				if (difference > 0) {
					this.tokens.giveBack(difference);
				}
				else if (difference < 0) {
					this.tokens.takeAnyway(-difference);
				}
			}
			finish();
		}

		/**
		 * The request failed: an error answer, a timeout or an interruption after the
		 * write keep the estimate; a failure before anything was sent gives it back.
		 * @param failure the failure
		 */
		void failed(Throwable failure) {
			if (failure instanceof LlmException llm && !llm.requestSent()) {
				if (this.settled.compareAndSet(false, true)) {
					if (this.tokens != null) {
						this.tokens.giveBack(this.reserved);
					}
					finish();
				}
				return;
			}
			settle(null);
		}

		private void finish() {
			if (this.reservations != null && this.sent != NOT_COUNTED) {
				this.reservations.finished(this.sent, this.clock.instant());
			}
		}

	}

	/**
	 * The one rule for a hold's wait: as for a 429 whose {@code Retry-After} is that
	 * wait, wait if the policy allows it, otherwise give the target up without sending
	 * anything.
	 */
	private Mono<Void> waitOrSkip(AttemptScope scope, Instant targetStart, Duration wait, String why,
			PacedLimit limit) {
		CallState call = scope.call();
		Target target = scope.target();
		if (this.decider.mayPace(wait, call.policy().retry(), targetStart, call.deadlineAt())) {
			this.metrics.paced(target, PacedAction.WAITED, limit);
			return Mono.delay(wait).then();
		}
		this.metrics.paced(target, PacedAction.SKIPPED, limit);
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
