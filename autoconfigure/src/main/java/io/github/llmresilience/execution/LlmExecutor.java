package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.observation.Observation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedCall;
import io.github.llmresilience.observation.RetryDenial;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.CooldownPublisher;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;
import io.github.llmresilience.policy.WhenAllUnavailable;
import io.github.llmresilience.support.EngineTime;

/**
 * Runs logical calls under their policies. This is the one place that fixes the order of
 * the layers, and it composes them: whether to retry is the {@link RetryDecider}'s,
 * whether a request may go now the {@link TargetAdmission}'s, what a circuit breaker
 * records the {@link CircuitBreakerRules}'; the executor keeps only the chain's own rule,
 * whether a failure moves on to the next target. Outermost first:
 * <ol>
 * <li>the fallback handler (an {@code @LlmCall} fallback method), then the call's
 * deadline;</li>
 * <li>the targets in order, with the policy's fallback rules between them: a target whose
 * provider the call already sent to is tried only if {@link TargetAdmission} lets its
 * first request through as a retry for that provider's budget; a hedged target's try
 * races its hedge's ({@link Hedging});</li>
 * <li>per target: its circuit breaker → its retry → the budget gate (the retry budget's
 * veto of each retry the {@link RetryDecider} schedules) → the admission (the pacing and
 * declared limits of {@link TargetAdmission}: go, wait or skip) → the attempt, whose own
 * timeouts live in the client.</li>
 * </ol>
 * A pool slot (several members behind one target slot) keeps this order with its retry
 * outermost: the slot's retry → the admission and the pick of a member (a sideways move
 * to another member after a failure, before any wait) → that member's circuit breaker,
 * around each single request → the attempt.
 *
 * <p>
 * Everything is non-blocking: waits are Reactor timers, cancelling the subscriber cancels
 * the exchange in flight and any pending wait.
 */
public final class LlmExecutor {

	private static final Log logger = LogFactory.getLog(LlmExecutor.class);

	private final TargetResilience resilience;

	private final RetryDecider decider;

	private final TargetAdmission admission;

	private final Clock clock;

	private final LlmObservability observability;

	private final Hedging hedging;

	private final CooldownPublisher cooldowns;

	private final CallsInFlight inFlight = new CallsInFlight();

	// One function for every attempt of a target try (its gate carries the attempt).
	private final BiFunction<Throwable, StreamGate<?>, Throwable> afterFailure = this::afterFailure;

	/**
	 * Create an executor.
	 * @param resilience the retries and circuit breakers of every target
	 * @param pacing what holds requests back: rate limits, declared limits and retry
	 * budgets (which hedges count against too); {@link Pacing#NONE} for none
	 * @param cooldowns told when a server says a target is of no use until an instant (a
	 * {@code Retry-After} beyond {@code max-retry-after}, a used-up quota);
	 * {@link CooldownListener#NONE} to tell nobody
	 * @param observability where to report calls, retries, fallbacks and hedges
	 * @param time the clock for waits, elapsed times and deadlines, and the source of
	 * jitter
	 */
	public LlmExecutor(TargetResilience resilience, Pacing pacing, CooldownListener cooldowns,
			LlmObservability observability, EngineTime time) {
		this.resilience = resilience;
		this.decider = new RetryDecider(time.clock(), time.random());
		this.admission = new TargetAdmission(pacing, this.decider, time.clock(), observability.metrics());
		this.clock = time.clock();
		this.observability = observability;
		this.cooldowns = new CooldownPublisher(cooldowns, time.clock());
		this.hedging = new Hedging(resilience, observability.metrics(), this.admission);
		for (PoolState pool : resilience.pools()) {
			for (Target member : pool.slot().targets()) {
				observability.metrics()
					.poolMemberAvailable(pool.policy(), pool.slot().name(), member, pool,
							(state) -> this.admission.canSendNow(resilience, state, member) ? 1 : 0);
			}
		}
	}

	/**
	 * Run a logical call whose attempts each produce one value.
	 * @param <T> the value type
	 * @param policy the policy
	 * @param options how to run it
	 * @param attempt makes one attempt against the scope's target; it is called once per
	 * attempt
	 * @return the value of the first successful attempt, or the call's failure
	 */
	public <T> Mono<T> mono(ResolvedPolicy policy, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt) {
		// The value goes downstream only once the call has completed, so the call is
		// finished (and
		// counted as a success) even for a subscriber that cancels on the first value, as
		// block() does.
		return execute(policy, options, attempt).singleOrEmpty();
	}

	/**
	 * Run a logical call.
	 * @param <T> the element type
	 * @param policy the policy
	 * @param options how to run it
	 * @param attempt makes one attempt against the scope's target; it is called once per
	 * attempt
	 * @return the elements of the first attempt that did not fail before its first
	 * element, or the call's failure
	 */
	public <T> Flux<T> execute(ResolvedPolicy policy, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt) {
		return Flux.deferContextual((context) -> {
			CallState call = new CallState(policy, options.idempotent(), this.clock.instant());
			call.priority(options.priority());
			Observation parent = context.getOrDefault(LlmObservability.OBSERVATION_KEY,
					this.observability.currentObservation());
			ObservedCall observed = this.observability.startCall(policy.name(), parent);
			Flux<T> flux = FailureMap.of(Deadline.bound(targets(call, options, attempt, 0), call, this.clock),
					(failure) -> finalFailure(failure, call));
			FallbackHandler<T> fallback = options.fallback();
			if (fallback != null) {
				flux = flux.onErrorResume((failure) -> {
					Publisher<T> answer = fallbackMethodApplies(failure, call) ? fallback.apply(failure) : null;
					if (answer == null) {
						return Flux.error(failure);
					}
					observed.answeredByFallbackMethod(failure);
					return Flux.from(answer);
				});
			}
			// Outermost: a shutdown ends the call, its fallback method included; the
			// guard also ends the observation, which is in the context of the call.
			return this.inFlight.guard(flux, call, observed);
		});
	}

	/**
	 * End every logical call in flight, and fail the calls to come, with a
	 * {@link FailureKind#SHUTDOWN} failure: the calls waiting (a backoff, a
	 * {@code Retry-After}, a pacing wait) end at once and the exchanges in flight are
	 * cancelled. The application's shutdown calls it once Spring Boot's graceful shutdown
	 * of the web server is over.
	 */
	public void shutdown() {
		// First, so that a call ended below frees no place for a queued one to be sent.
		this.admission.shutdown();
		this.inFlight.shutdown();
	}

	/**
	 * Return what decides whether a request may go now, for the client's requests.
	 * @return the admission
	 */
	TargetAdmission admission() {
		return this.admission;
	}

	/**
	 * Return how many logical calls are in flight.
	 * @return the number of calls
	 */
	public int callsInFlight() {
		return this.inFlight.size();
	}

	private <T> Flux<T> targets(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, int index) {
		ResolvedPolicy policy = call.policy();
		// A hedged try races the target against its hedge (§13); the chain goes on after
		// the
		// last target the race tried, from the later of its failures.
		Hedging.Race<T> race = this.hedging.race(call, options, index);
		Flux<T> tried = (race != null)
				? race.run(attempt,
						(leg, legAttempt, hedge, member) -> slotTry(call, options, legAttempt, leg, hedge, member))
				: slotTry(call, options, attempt, index, false, null);
		return tried.onErrorResume((failure) -> {
			call.lastFailure(failure);
			int last = (race != null) ? race.lastIndex() : index;
			TargetSlot failedSlot = policy.slots().get((race != null) ? race.failedIndex() : index);
			Target current = call.currentTarget();
			Target target = (failedSlot.isPool() && current != null) ? current : failedSlot.target();
			List<Target> chain = kindChain(failure, call);
			if (!chain.isEmpty()) {
				return kindChain(call, options, attempt, target, chain, 0, (LlmException) failure);
			}
			if (last + 1 < policy.slots().size() && fallsBack(failure, call)) {
				Target next = policy.slots().get(last + 1).target();
				FailureKind kind = ((LlmException) failure).kind();
				this.observability.metrics().fallback(policy.name(), target, next, kind);
				if (logger.isDebugEnabled()) {
					logger.debug("Policy '" + policy.name() + "' falls back from " + target + " to " + next + " after "
							+ kind);
				}
				return targets(call, options, attempt, last + 1);
			}
			return whenAllUnavailable(failure, call, options, attempt);
		});
	}

	private <T> Flux<T> slotTry(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, int index, boolean hedge, @Nullable Target member) {
		TargetSlot slot = call.policy().slots().get(index);
		return slot.isPool() ? poolTry(call, options, attempt, slot, index, member)
				: targetTry(call, options, attempt, slot.target(), index, hedge);
	}

	/**
	 * A pool slot's try: its one retry runs the slot's attempts across its members, each
	 * attempt picked by the {@link TargetAdmission}, each request wrapped by its member's
	 * circuit breaker. A hedge's leg in the same slot shares the call's try of it, so
	 * both legs count against the slot's attempts, and starts on its member.
	 */
	private <T> Flux<T> poolTry(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, TargetSlot slot, int index,
			@Nullable Target member) {
		return Flux.defer(() -> {
			ResolvedPolicy policy = call.policy();
			if (member == null) {
				call.target(slot.target(), index);
			}
			PoolTry pool = call.poolTry(index, () -> new PoolTry(call, slot, index, this.resilience.pool(policy, slot),
					this.clock.instant(), options.affinityKey(), this.resilience));
			AtomicReference<@Nullable Target> first = new AtomicReference<>(member);
			Flux<T> attempts = Flux.defer(() -> poolAttempt(pool, pool.attempts.incrementAndGet(), options, attempt,
					new HashSet<>(pool.tooSmall()), first.getAndSet(null)));
			return FailureMap.of(LazyRetry.retried(attempts, this.resilience.retry(policy, slot)),
					AttemptFailure::unwrap);
		});
	}

	private <T> Flux<T> poolAttempt(PoolTry pool, int number, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, Set<Target> unavailable,
			@Nullable Target preferred) {
		CallState call = pool.call;
		return this.admission.pick(pool, unavailable, preferred).flatMapMany((member) -> {
			Target target = member.target();
			call.target(target, pool.index);
			AttemptScope scope = new AttemptScope(call, target, pool.index, number);
			StreamGate<T> gate = new StreamGate<>(scope, options.text(), null);
			Flux<T> send = Flux.defer(() -> {
				this.admission.sent(call, target);
				pool.state.started(target);
				return Flux.from(attempt.apply(scope)).doFinally((signal) -> pool.state.ended(target));
			});
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			if (circuitBreaker != null) {
				// A 429 whose server named when to come back is waited out on this member
				// (the pick passes it over until then), not held against its health.
				send = send.onErrorMap(ServerPaced::applies, ServerPaced::new)
					.transformDeferred(CircuitBreakerOperator.of(circuitBreaker))
					.onErrorMap(ServerPaced.class, ServerPaced::getCause);
			}
			return send.doOnNext(gate).onErrorResume(CallNotPermittedException.class, (notPermitted) -> {
				// Opened, or half-open with no permit left, since the pick: another
				// member.
				unavailable.add(target);
				return poolAttempt(pool, number, options, attempt, unavailable, null);
			}).onErrorResume((failure) -> PacedException.passedOver(AttemptFailure.unwrap(failure)), (passedOver) -> {
				// The request can never fit this member (max-input-tokens, a declared
				// token limit): another member, without a wait, unless every one is
				// out for the call; then the slot is passed over as context-length.
				pool.tooSmall(target);
				unavailable.addAll(pool.tooSmall());
				boolean another = pool.slot.members()
					.stream()
					.anyMatch((other) -> !unavailable.contains(other.target()));
				return another ? poolAttempt(pool, number, options, attempt, unavailable, null)
						: Flux.error(passedOver);
			})
				.onErrorMap((failure) -> !(failure instanceof AttemptFailure),
						(failure) -> afterPoolFailure(failure, scope, pool, gate))
				.transform((flux) -> inScope(flux, attempt, scope));
		});
	}

	/**
	 * Decide what follows a pool member's failed attempt: learn what the member's server
	 * said (a wait, an open circuit), move sideways at once to another member that can be
	 * sent to now when the failure allows it, else the slot's normal retry rules.
	 */
	private Throwable afterPoolFailure(Throwable failure, AttemptScope scope, PoolTry pool, StreamGate<?> gate) {
		Throwable interruption = noteFailure(failure, scope, gate);
		if (interruption != null) {
			return interruption;
		}
		CallState call = scope.call();
		ResolvedPolicy policy = call.policy();
		// The slot's attempts so far, a hedge's leg's included.
		int attempts = pool.attempts.get();
		Target target = scope.target();
		RetryDecision decision = this.decider.decide(failure, policy.retry(), attempts, pool.start, call.deadlineAt(),
				call.idempotent());
		Instant now = this.clock.instant();
		if (decision.openCircuit()) {
			boolean quota = failure instanceof LlmException llm && llm.kind() == FailureKind.QUOTA_EXHAUSTED;
			Instant until = this.resilience.openNow(target, decision.openUntil());
			this.cooldowns.gaveUp(target, decision.openUntil(), () -> until, quota);
		}
		else if (failure instanceof LlmException llm && llm.retryAfter() != null
				&& policy.retry().respectRetryAfter()) {
			pool.state.waitFor(target, now.plus(llm.retryAfter()));
		}
		if (movesSideways(failure, call, attempts, pool, now)) {
			PoolMember next = this.admission.sideways(pool, target);
			if (next != null) {
				pool.next(next);
				this.observability.metrics().retry(policy.name(), target, reason(failure));
				if (logger.isDebugEnabled()) {
					logger.debug("Policy '" + policy.name() + "' moves sideways in pool " + pool.slot.name() + " from "
							+ target + " to " + next.target() + " after " + reason(failure));
				}
				return new AttemptFailure(failure, RetryDecision.retryAfter(0));
			}
		}
		decision = this.admission.review(decision, call, target);
		if (decision.retry()) {
			pool.waited();
			this.observability.metrics().retry(policy.name(), target, reason(failure));
			if (logger.isDebugEnabled()) {
				logger.debug("Policy '" + policy.name() + "' retries pool " + pool.slot.name() + " in "
						+ decision.waitMillis() + "ms after " + reason(failure) + " on " + target + " (attempt "
						+ attempts + " of " + policy.retry().maxAttempts() + ")");
			}
		}
		return new AttemptFailure(failure, decision);
	}

	/**
	 * Whether a failed attempt's next one may go at once to another member: its kind is
	 * retried or falls back (not a prompt too long or refused: another deployment of the
	 * same model says the same), a request whose outcome is unknown is repeated only for
	 * an idempotent call, and the slot has attempts and time left.
	 */
	private boolean movesSideways(Throwable failure, CallState call, int attempt, PoolTry pool, Instant now) {
		if (!(failure instanceof LlmException llm) || failure instanceof LlmDeadlineExceededException) {
			return false;
		}
		FailureKind kind = llm.kind();
		if (kind == FailureKind.CONTEXT_LENGTH || kind == FailureKind.CONTENT_FILTER) {
			return false;
		}
		RetrySettings retry = call.policy().retry();
		if (kind.retriedWhen() == FailureKind.RetriedWhen.NEVER && !call.policy().fallbackOn().contains(kind)) {
			return false;
		}
		if (kind.outcomeUnknown() && llm.requestSent() && !call.idempotent()) {
			return false;
		}
		Instant deadline = call.deadlineAt();
		return attempt < retry.maxAttempts() && now.isBefore(pool.start.plus(retry.maxElapsed()))
				&& (deadline == null || now.isBefore(deadline));
	}

	/**
	 * Return the per-kind chain a failure goes on with instead of the remaining targets
	 * ({@code on-context-length}, {@code on-content-filter}), whatever
	 * {@code fallback-on} says for that kind; empty when the policy has none.
	 */
	private static List<Target> kindChain(Throwable failure, CallState call) {
		if (!(failure instanceof LlmException llm) || failure instanceof LlmStreamInterruptedException
				|| failure instanceof LlmDeadlineExceededException || call.hasDelivered()) {
			return List.of();
		}
		return call.policy().chainFor(llm.kind());
	}

	/**
	 * Go on with a per-kind chain: its targets in order, each with its retries, with the
	 * policy's fallback rules between them (a target passed over always moves on); no
	 * other chain is entered from it. Its targets count as fallbacks.
	 */
	private <T> Flux<T> kindChain(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, Target from, List<Target> chain, int position,
			LlmException reason) {
		ResolvedPolicy policy = call.policy();
		Target target = chain.get(position);
		this.observability.metrics().fallback(policy.name(), from, target, reason.kind());
		if (logger.isDebugEnabled()) {
			logger.debug("Policy '" + policy.name() + "' goes on from " + from + " to " + target + " after "
					+ reason.kind());
		}
		int index = policy.targets().size() + position;
		return targetTry(call, options, attempt, target, index, false).onErrorResume((failure) -> {
			call.lastFailure(failure);
			if (position + 1 < chain.size() && fallsBack(failure, call)) {
				return kindChain(call, options, attempt, target, chain, position + 1, (LlmException) failure);
			}
			return Flux.error(failure);
		});
	}

	/**
	 * The end of the chain of targets: when every target was out (open circuits, waits a
	 * server named, rate limits used up for longer than the policy waits), the policy's
	 * {@code when-all-unavailable} says whether the call waits once for the first to come
	 * back, probes one, or ends; a call that ends says when a target is expected back.
	 */
	private <T> Flux<T> whenAllUnavailable(Throwable failure, CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt) {
		if (!(failure instanceof LlmException llm) || call.hasDelivered() || !call.allOut()) {
			return Flux.error(failure);
		}
		ResolvedPolicy policy = call.policy();
		Instant earliest = call.earliestAvailableAt();
		WhenAllUnavailable rule = policy.whenAllUnavailable();
		if (rule == WhenAllUnavailable.WAIT && earliest != null) {
			Duration wait = this.decider.untilAvailable(earliest, policy.retry(), call.deadlineAt());
			if (wait != null && call.tryAgainWhenUnavailable()) {
				if (logger.isDebugEnabled()) {
					logger.debug("Policy '" + policy.name() + "' waits " + wait.toMillis() + "ms for a target to "
							+ "come back, every target being out");
				}
				return Mono.delay(wait).thenMany(Flux.defer(() -> {
					call.clearOut();
					return targets(call, options, attempt, 0);
				}));
			}
		}
		if (rule == WhenAllUnavailable.PROBE && call.tryAgainWhenUnavailable()) {
			for (int index = 0; index < policy.slots().size(); index++) {
				for (Target target : policy.slots().get(index).targets()) {
					if (this.resilience.openedByFailures(target)) {
						if (!this.admission.mayProbe(call, target)) {
							return Flux.error(unavailable(llm, earliest));
						}
						return probe(call, options, attempt, target, index, earliest);
					}
				}
			}
		}
		return Flux.error(unavailable(llm, earliest));
	}

	/**
	 * Send one request to a target whose circuit its failures opened, past its circuit
	 * breaker and without a retry: a success moves the breaker to half-open and answers
	 * the call; a failure is recorded nowhere and ends the call.
	 */
	private <T> Flux<T> probe(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, Target target, int index,
			@Nullable Instant earliest) {
		return Flux.defer(() -> {
			call.target(target, index);
			AttemptScope scope = new AttemptScope(call, target, index, 1);
			StreamGate<T> gate = new StreamGate<>(scope, options.text(), null);
			this.admission.sent(call, target);
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			return Flux.from(attempt.apply(scope)).doOnNext(gate).doOnComplete(() -> {
				if (circuitBreaker != null && circuitBreaker.getState() == CircuitBreaker.State.OPEN) {
					circuitBreaker.transitionToHalfOpenState();
				}
			}).onErrorMap((failure) -> {
				call.lastFailure(failure);
				call.failed(target, reason(failure) + " (probe)");
				return (failure instanceof LlmException llm && gate.count() == 0) ? unavailable(llm, earliest)
						: failure;
			}).transform((flux) -> inScope(flux, attempt, scope));
		});
	}

	/**
	 * A call's failure because every target is out, saying when one is expected back.
	 */
	private static LlmException unavailable(LlmException failure, @Nullable Instant earliest) {
		if (earliest == null || failure.getClass() != LlmException.class) {
			return failure;
		}
		LlmException copy = failure.toBuilder().earliestAvailableAt(earliest).build();
		copy.setStackTrace(failure.getStackTrace());
		return copy;
	}

	private <T> Flux<T> targetTry(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, Target target, int index, boolean hedge) {
		return Flux.defer(() -> {
			// A hedge's try was let through when the hedge was permitted. A first request
			// to another model of a provider already asked is a retry for that
			// provider's budget: denied, this target is passed over like the last one.
			if (index > 0 && !hedge && !this.admission.mayResend(call, target)) {
				call.failed(target, RetryDenial.RETRY_BUDGET.value());
				Throwable last = call.lastFailure();
				return Flux.error((last != null) ? last : new IllegalStateException("No failure before " + target));
			}
			call.target(target, index);
			Instant targetStart = this.clock.instant();
			AtomicInteger attempts = new AtomicInteger();
			Flux<T> attemptFlux = Flux.defer(() -> {
				AttemptScope scope = new AttemptScope(call, target, index, attempts.incrementAndGet(), targetStart);
				StreamGate<T> gate = new StreamGate<>(scope, options.text(), this.afterFailure);
				Flux<T> send = new AttemptSend<>(this.admission, attempt, gate);
				return inScope(this.admission.admit(scope, targetStart, send), attempt, scope);
			});
			// Assembled per subscription (this defer): the retry's operators only once an
			// attempt has failed (LazyRetry), the breaker's around the whole target try.
			Flux<T> guarded = LazyRetry.retried(attemptFlux, this.resilience.retry(call.policy(), target));
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			if (circuitBreaker != null) {
				guarded = guarded.transform(CircuitBreakerOperator.of(circuitBreaker));
			}
			return FailureMap.of(guarded, (failure) -> leaveTarget(failure, call, target));
		});
	}

	/**
	 * Put an attempt's scope in its Reactor context, for the {@code LlmClient} calls of
	 * an {@code @LlmCall} method; an attempt given its scope ({@link ScopedAttempt})
	 * needs no such entry.
	 */
	private static <T> Flux<T> inScope(Flux<T> attemptFlux, Function<AttemptScope, ? extends Publisher<T>> attempt,
			AttemptScope scope) {
		if (attempt instanceof ScopedAttempt) {
			return attemptFlux;
		}
		return attemptFlux.contextWrite((ctx) -> ctx.put(AttemptScope.KEY, scope));
	}

	/**
	 * Classify a failed attempt for the layers around it: after the first element it
	 * becomes an interruption that nothing retries; before it, it carries the retry
	 * decision.
	 */
	private Throwable afterFailure(Throwable failure, StreamGate<?> gate) {
		if (failure instanceof AttemptFailure) {
			// The client's request was held back or passed over by the admission, which
			// decided already.
			return failure;
		}
		AttemptScope scope = gate.scope();
		Throwable interruption = noteFailure(failure, scope, gate);
		if (interruption != null) {
			return interruption;
		}
		Instant targetStart = Objects.requireNonNull(scope.targetStart(), "A target's attempt has its start");
		CallState call = scope.call();
		Target target = scope.target();
		ResolvedPolicy policy = call.policy();
		RetryDecision decision = this.admission.review(this.decider.decide(failure, policy.retry(), scope.attempt(),
				targetStart, call.deadlineAt(), call.idempotent()), call, target);
		if (decision.retry()) {
			this.observability.metrics().retry(policy.name(), target, reason(failure));
			if (logger.isDebugEnabled()) {
				logger.debug("Policy '" + policy.name() + "' retries " + target + " in " + decision.waitMillis()
						+ "ms after " + reason(failure) + " (attempt " + scope.attempt() + " of "
						+ policy.retry().maxAttempts() + ")");
			}
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Policy '" + policy.name() + "' gives " + target + " up after " + reason(failure) + ": "
					+ decision.reason());
		}
		return new AttemptFailure(failure, decision);
	}

	/**
	 * Note a failed attempt on its call. Once a stream has delivered an element, the
	 * failure becomes an interruption that nothing retries.
	 * @return the interruption, or {@code null} when nothing was delivered yet
	 */
	private static @Nullable Throwable noteFailure(Throwable failure, AttemptScope scope, StreamGate<?> gate) {
		CallState call = scope.call();
		call.lastFailure(failure);
		call.failed(scope.target(), reason(failure));
		if (gate.count() == 0) {
			return null;
		}
		if (failure instanceof LlmException llm && !(failure instanceof LlmStreamInterruptedException)) {
			return new LlmStreamInterruptedException(llm, gate.text(), gate.count());
		}
		return failure;
	}

	private Throwable leaveTarget(Throwable failure, CallState call, Target target) {
		learnCooldown(failure, target);
		noteOut(failure, call, target);
		if (failure instanceof CallNotPermittedException) {
			call.failed(target, FailureKind.CIRCUIT_OPEN.value());
			return LlmException.builder(FailureKind.CIRCUIT_OPEN)
				.target(target.provider(), target.model())
				.description("the circuit breaker of " + target + " is open")
				.attempts(call.attempts())
				.build();
		}
		return AttemptFailure.unwrap(failure);
	}

	/**
	 * Note a target that was out, and when it is expected back: its circuit open, a wait
	 * beyond the policy's that its server named (now or in its rate-limit headers).
	 */
	private void noteOut(Throwable failure, CallState call, Target target) {
		if (failure instanceof CallNotPermittedException) {
			call.out(target, this.resilience.openUntil(target));
			return;
		}
		RetryDecision decision = AttemptFailure.decisionOf(failure);
		if (decision == null) {
			return;
		}
		if (decision.reason() == RetryDecision.Reason.PACED) {
			Duration wait = (AttemptFailure.unwrap(failure) instanceof LlmException llm) ? llm.retryAfter() : null;
			call.out(target, (wait != null) ? this.clock.instant().plus(wait) : null);
		}
		else if (decision.openCircuit() && decision.openUntil() != null) {
			call.out(target, decision.openUntil());
		}
	}

	/**
	 * A target given up, and its circuit opened, because its server named the time it is
	 * of no use until cools down for every instance that shares state. Cooldowns only
	 * lengthen: a circuit already open (another call's answer opened it while this one
	 * was in flight) ignores what its breaker is told, so a later end is applied here,
	 * and an earlier one changes nothing.
	 */
	private void learnCooldown(Throwable failure, Target target) {
		RetryDecision decision = AttemptFailure.decisionOf(failure);
		if (decision != null && decision.openCircuit()) {
			Instant serverNamed = decision.openUntil();
			if (serverNamed != null) {
				this.resilience.holdOpen(target, serverNamed);
			}
			boolean quota = AttemptFailure.unwrap(failure) instanceof LlmException llm
					&& llm.kind() == FailureKind.QUOTA_EXHAUSTED;
			this.cooldowns.gaveUp(target, decision.openUntil(), () -> this.resilience.openUntil(target), quota);
		}
	}

	private static boolean fallsBack(Throwable failure, CallState call) {
		if (!(failure instanceof LlmException llm) || failure instanceof LlmStreamInterruptedException
				|| failure instanceof LlmDeadlineExceededException || call.hasDelivered()
				|| llm.kind() == FailureKind.SHUTDOWN) {
			return false;
		}
		if (PacedException.passedOver(llm)) {
			// Too large for the target: nothing was sent, and the next one may take it.
			return true;
		}
		if (!call.policy().fallbackOn().contains(llm.kind())) {
			return false;
		}
		return !llm.kind().outcomeUnknown() || !llm.requestSent() || call.idempotent();
	}

	private static boolean fallbackMethodApplies(Throwable failure, CallState call) {
		if (failure instanceof LlmDeadlineExceededException) {
			return !call.hasDelivered();
		}
		return fallsBack(failure, call);
	}

	private static Throwable finalFailure(Throwable failure, CallState call) {
		if (failure instanceof LlmException llm) {
			return llm.withAttempts(call.attempts());
		}
		return failure;
	}

	static String reason(Throwable failure) {
		return (failure instanceof LlmException llm) ? llm.kind().value() : failure.getClass().getSimpleName();
	}

	/**
	 * Carries a pool member's 429 past its circuit breaker, which ignores it: the server
	 * named when to come back ({@code Retry-After}, or the reset of a used-up
	 * {@code x-ratelimit-*} limit), the pool keeps the member out until then, and a
	 * per-request window full of such answers would otherwise open the circuit of an
	 * account that is only busy.
	 */
	private static final class ServerPaced extends RuntimeException {

		ServerPaced(Throwable failure) {
			super(failure.getMessage(), failure, false, false);
		}

		static boolean applies(Throwable failure) {
			return failure instanceof LlmException llm && llm.kind() == FailureKind.RATE_LIMITED
					&& llm.retryAfter() != null && !(failure instanceof LlmStreamInterruptedException);
		}

		@Override
		public synchronized Throwable getCause() {
			Throwable cause = super.getCause();
			return (cause != null) ? cause : this;
		}

	}

}
