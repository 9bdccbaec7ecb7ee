package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
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
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.RequestLimiter;
import io.github.llmresilience.pacing.RetryBudget;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.observation.PacedAction;
import io.github.llmresilience.observation.RetryDenial;

/**
 * Runs logical calls under their policies. This is the one place that fixes the order of
 * the layers, outermost first: fallback handler, deadline, targets in order, and per
 * target its circuit breaker, its retry and the attempt (whose own timeouts live in the
 * client). A hedged target's try races its hedge's ({@link Hedging}) where the targets
 * are chained.
 *
 * <p>
 * Everything is non-blocking: waits are Reactor timers, cancelling the subscriber cancels
 * the exchange in flight and any pending wait.
 */
public final class LlmExecutor {

	private static final Log logger = LogFactory.getLog(LlmExecutor.class);

	private final TargetResilience resilience;

	private final RetryDecider decider;

	private final Clock clock;

	private final LlmObservability observability;

	private final Pacing pacing;

	private final Hedging hedging;

	private final CooldownListener cooldowns;

	/**
	 * Create an executor without pacing: no rate-limit headers, declared limits or retry
	 * budgets.
	 * @param resilience the retries and circuit breakers of every target
	 * @param clock the clock for waits, elapsed times and deadlines
	 * @param random the source of jitter
	 * @param observability where to report calls, retries and fallbacks
	 */
	public LlmExecutor(TargetResilience resilience, Clock clock, RandomGenerator random,
			LlmObservability observability) {
		this(resilience, clock, random, observability, Pacing.NONE);
	}

	/**
	 * Create an executor.
	 * @param resilience the retries and circuit breakers of every target
	 * @param clock the clock for waits, elapsed times and deadlines
	 * @param random the source of jitter
	 * @param observability where to report calls, retries, fallbacks and hedges
	 * @param pacing what holds requests back: rate limits and retry budgets (which hedges
	 * count against too)
	 */
	public LlmExecutor(TargetResilience resilience, Clock clock, RandomGenerator random, LlmObservability observability,
			Pacing pacing) {
		this(resilience, clock, random, observability, pacing, CooldownListener.NONE);
	}

	/**
	 * Create an executor.
	 * @param resilience the retries and circuit breakers of every target
	 * @param clock the clock for waits, elapsed times and deadlines
	 * @param random the source of jitter
	 * @param observability where to report calls, retries and fallbacks
	 * @param pacing what holds requests back: rate limits and retry budgets
	 * @param cooldowns told when a server says a target is of no use until an instant (a
	 * {@code Retry-After} beyond {@code max-retry-after}, a used-up quota)
	 */
	public LlmExecutor(TargetResilience resilience, Clock clock, RandomGenerator random, LlmObservability observability,
			Pacing pacing, CooldownListener cooldowns) {
		this.resilience = resilience;
		this.decider = new RetryDecider(clock, random);
		this.clock = clock;
		this.observability = observability;
		this.pacing = pacing;
		this.cooldowns = cooldowns;
		this.hedging = new Hedging(resilience, observability.metrics(), this::hedgeWithinBudget);
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
			Observation parent = context.getOrDefault(LlmObservability.OBSERVATION_KEY,
					this.observability.currentObservation());
			ObservedCall observed = this.observability.startCall(policy.name(), parent);
			Flux<T> flux = Deadline.bound(targets(call, options, attempt, 0), call, this.clock)
				.onErrorMap((failure) -> finalFailure(failure, call));
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
			return flux.doOnComplete(() -> finished(observed, call, null))
				.doOnError((failure) -> finished(observed, call, failure))
				.doOnCancel(() -> observed.cancelled(call.attempts(), call.failures()))
				.contextWrite((ctx) -> ctx.put(LlmObservability.OBSERVATION_KEY, observed.observation()));
		});
	}

	private static void finished(ObservedCall observed, CallState call, @Nullable Throwable failure) {
		observed.finished(failure, call.currentTarget(), call.currentTargetIndex() > 0, call.hedge(), call.attempts(),
				call.failures());
	}

	private <T> Flux<T> targets(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, int index) {
		ResolvedPolicy policy = call.policy();
		// A hedged try races the target against its hedge (§13); the chain goes on after
		// the
		// last target the race tried, from the later of its failures.
		Hedging.Race<T> race = this.hedging.race(call, options, index);
		Flux<T> tried = (race != null)
				? race
					.run(attempt,
							(leg, legAttempt, hedge) -> targetTry(call, options, legAttempt, policy.targets().get(leg),
									leg, hedge))
				: targetTry(call, options, attempt, policy.targets().get(index), index, false);
		return tried.onErrorResume((failure) -> {
			call.lastFailure(failure);
			int last = (race != null) ? race.lastIndex() : index;
			Target target = policy.targets().get((race != null) ? race.failedIndex() : index);
			if (last + 1 < policy.targets().size() && fallsBack(failure, call)) {
				Target next = policy.targets().get(last + 1);
				FailureKind kind = ((LlmException) failure).kind();
				this.observability.metrics().fallback(policy.name(), target, next, kind);
				if (logger.isDebugEnabled()) {
					logger.debug("Policy '" + policy.name() + "' falls back from " + target + " to " + next + " after "
							+ kind);
				}
				return targets(call, options, attempt, last + 1);
			}
			return Flux.error(failure);
		});
	}

	private <T> Flux<T> targetTry(CallState call, ExecutionOptions<T> options,
			Function<AttemptScope, ? extends Publisher<T>> attempt, Target target, int index, boolean hedge) {
		return Flux.defer(() -> {
			// A hedge's try was counted against the budget when the hedge was permitted.
			if (index > 0 && !hedge && !withinBudget(call, target)) {
				// A first request to another model of a provider already asked is a retry
				// for
				// that provider's budget: denied, this target is passed over like the
				// last one.
				Throwable last = call.lastFailure();
				return Flux.error((last != null) ? last : new IllegalStateException("No failure before " + target));
			}
			call.target(target, index);
			Instant targetStart = this.clock.instant();
			AtomicInteger attempts = new AtomicInteger();
			Flux<T> attemptFlux = Flux.defer(() -> {
				AttemptScope scope = new AttemptScope(call, target, index, attempts.incrementAndGet());
				StreamGate<T> gate = new StreamGate<>(call, options.text());
				Flux<T> send = Flux.defer(() -> {
					if (call.firstRequestTo(target.provider())) {
						RetryBudget budget = this.pacing.budget(target.provider());
						if (budget != null) {
							budget.firstRequest();
						}
					}
					return Flux.from(attempt.apply(scope));
				}).doOnNext(gate::passed).onErrorMap((failure) -> afterFailure(failure, scope, targetStart, gate));
				Flux<T> paced = this.pacing.mayHoldBack(target) ? pace(scope, targetStart).thenMany(send) : send;
				return paced.contextWrite((ctx) -> ctx.put(AttemptScope.KEY, scope));
			});
			Flux<T> guarded = attemptFlux
				.transformDeferred(RetryOperator.of(this.resilience.retry(call.policy(), target)));
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			if (circuitBreaker != null) {
				guarded = guarded.transformDeferred(CircuitBreakerOperator.of(circuitBreaker));
			}
			return guarded.onErrorMap((failure) -> leaveTarget(failure, call, target));
		});
	}

	/**
	 * Classify a failed attempt for the layers around it: after the first element it
	 * becomes an interruption that nothing retries; before it, it carries the retry
	 * decision.
	 */
	private Throwable afterFailure(Throwable failure, AttemptScope scope, Instant targetStart, StreamGate<?> gate) {
		CallState call = scope.call();
		Target target = scope.target();
		call.lastFailure(failure);
		call.failed(target, reason(failure));
		if (gate.count() > 0) {
			if (failure instanceof LlmException llm && !(failure instanceof LlmStreamInterruptedException)) {
				return new LlmStreamInterruptedException(llm, gate.text(), gate.count());
			}
			return failure;
		}
		ResolvedPolicy policy = call.policy();
		RetryDecision decision = this.decider.decide(failure, policy.retry(), scope.attempt(), targetStart,
				call.deadlineAt(), call.idempotent());
		if (decision.retry() && !decision.serverWait()) {
			// Retries the server asked for with a wait are paced by the server, not the
			// budget.
			RetryBudget budget = this.pacing.budget(target.provider());
			if (budget != null && !budget.tryRetry()) {
				decision = RetryDecision.giveUp(RetryDecision.Reason.RETRY_BUDGET);
			}
		}
		if (decision.reason() == RetryDecision.Reason.RETRY_BUDGET) {
			this.observability.metrics().retryDenied(policy.name(), target, RetryDenial.RETRY_BUDGET);
		}
		else if (decision.reason() == RetryDecision.Reason.SERVER_SAID_NO) {
			this.observability.metrics().retryDenied(policy.name(), target, RetryDenial.SERVER_SAID_NO);
		}
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
	 * Whether a fallback target may be tried: for a provider the call already sent to,
	 * its first request is a retry, and needs the provider's retry budget.
	 */
	private boolean withinBudget(CallState call, Target target) {
		if (!call.hasSentTo(target.provider())) {
			return true;
		}
		RetryBudget budget = this.pacing.budget(target.provider());
		if (budget == null || budget.tryRetry()) {
			return true;
		}
		this.observability.metrics().retryDenied(call.policy().name(), target, RetryDenial.RETRY_BUDGET);
		call.failed(target, RetryDenial.RETRY_BUDGET.value());
		return false;
	}

	/**
	 * Whether a hedge may be sent (§13): it counts against the retry budget as any
	 * request does (§12), so a hedge to a provider the call already sent to (always, for
	 * {@code target: same}) is a retry and needs that provider's budget; a hedge to
	 * another provider is a first request there, counted when it is sent.
	 */
	private boolean hedgeWithinBudget(CallState call, Target from, Target to) {
		if (!call.hasSentTo(to.provider())) {
			return true;
		}
		RetryBudget budget = this.pacing.budget(to.provider());
		if (budget == null || budget.tryRetry()) {
			return true;
		}
		this.observability.metrics().retryDenied(call.policy().name(), to, RetryDenial.RETRY_BUDGET);
		return false;
	}

	/**
	 * Hold an attempt back while its target's rate limit is known to be used up, or its
	 * provider's declared limit has no permit free: wait, as for a 429 with that
	 * {@code Retry-After}, if the policy allows the wait; otherwise give the target up
	 * without sending anything.
	 */
	private Mono<Void> pace(AttemptScope scope, Instant targetStart) {
		return Mono.defer(() -> {
			Target target = scope.target();
			Instant until = this.pacing.exhaustedUntil(target);
			if (until != null) {
				Duration wait = Duration.between(this.clock.instant(), until);
				return paceOrSkip(scope, targetStart, wait,
						"the rate limit of " + target + " is used up until " + until)
					.then(Mono.defer(() -> acquire(scope, targetStart)));
			}
			return acquire(scope, targetStart);
		});
	}

	private Mono<Void> acquire(AttemptScope scope, Instant targetStart) {
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
			return paceOrSkip(scope, targetStart, Duration.ofNanos(nanos),
					"no request of llm.providers." + target.provider() + ".rate-limit.requests-per-minute is free")
				.then(Mono.defer(() -> acquire(scope, targetStart)));
		});
	}

	private Mono<Void> paceOrSkip(AttemptScope scope, Instant targetStart, Duration wait, String why) {
		CallState call = scope.call();
		Target target = scope.target();
		if (this.decider.mayPace(wait, call.policy().retry(), targetStart, call.deadlineAt())) {
			this.observability.metrics().paced(target, PacedAction.WAITED);
			return Mono.delay(wait).then();
		}
		this.observability.metrics().paced(target, PacedAction.SKIPPED);
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

	private Throwable leaveTarget(Throwable failure, CallState call, Target target) {
		learnCooldown(failure, target);
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
	 * A target given up because its server named the time it is of no use until (a wait
	 * beyond what the policy allows, a used-up quota) cools down for every instance that
	 * shares state: until that time, or, for a quota that named none, until its circuit
	 * closes again. Circuits that opened on this instance's own failure rate are not
	 * passed on.
	 */
	private void learnCooldown(Throwable failure, Target target) {
		RetryDecision decision = AttemptFailure.decisionOf(failure);
		if (decision == null || !decision.openCircuit() || this.cooldowns == CooldownListener.NONE) {
			return;
		}
		Instant until = (decision.openUntil() != null) ? decision.openUntil() : this.resilience.openUntil(target);
		if (until != null && until.isAfter(this.clock.instant())) {
			boolean quota = AttemptFailure.unwrap(failure) instanceof LlmException llm
					&& llm.kind() == FailureKind.QUOTA_EXHAUSTED;
			this.cooldowns.learned(
					new Cooldown(target, until, quota ? Cooldown.Cause.QUOTA_EXHAUSTED : Cooldown.Cause.RETRY_AFTER));
		}
	}

	private static boolean fallsBack(Throwable failure, CallState call) {
		if (!(failure instanceof LlmException llm) || failure instanceof LlmStreamInterruptedException
				|| failure instanceof LlmDeadlineExceededException || call.hasDelivered()) {
			return false;
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
	 * Counts what an attempt delivered, to tell a failure before the first element
	 * (retried) from one after it (an interruption).
	 */
	private static final class StreamGate<T> {

		private final CallState call;

		private final @Nullable Function<? super T, ? extends @Nullable CharSequence> text;

		private final @Nullable StringBuilder delivered;

		private int count;

		StreamGate(CallState call, @Nullable Function<? super T, ? extends @Nullable CharSequence> text) {
			this.call = call;
			this.text = text;
			this.delivered = (text != null) ? new StringBuilder() : null;
		}

		void passed(T element) {
			this.count++;
			this.call.delivered();
			if (this.text != null && this.delivered != null) {
				CharSequence chunk = this.text.apply(element);
				if (chunk != null) {
					this.delivered.append(chunk);
				}
			}
		}

		int count() {
			return this.count;
		}

		String text() {
			return (this.delivered != null) ? this.delivered.toString() : "";
		}

	}

}
