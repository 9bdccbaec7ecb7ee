package io.github.llmresilience.execution;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.observation.HedgeOutcome;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;

/**
 * Hedged requests: while an attempt of an idempotent call goes without an answer (for a
 * stream: without its first content chunk) for the policy's {@code hedge.delay}, the same
 * request is sent again, to the policy's next target or to the same one, and the two
 * race.
 *
 * <p>
 * The race is between two <em>legs</em>, each a whole target try with its own circuit
 * breaker and retries: the try of the target in flight, and the hedge's try of its
 * target. The first leg to answer wins and the other is cancelled, its HTTP exchange
 * closed; a leg cancelled before it answered is neither a success nor a failure for its
 * circuit breaker. A leg's elements are held below the retry until its first content
 * element, so that no element ever comes from the leg that loses and a failure before the
 * first content is still retried. A leg that fails while the other still runs does not
 * end the race; when both have failed, the race ends with the later failure, from which
 * the policy's fallback rules go on.
 *
 * <p>
 * A call sends at most one hedge. It is armed on every attempt of the target being tried
 * until one has been sent, so that it races an attempt in flight and never a wait between
 * attempts (which would ignore a server's {@code Retry-After}). A hedge is not sent to a
 * target whose circuit is open, for a request that may not be sent twice, or when the
 * {@link TargetAdmission} refuses it (a hedge to a provider the call already sent to is a
 * retry for its budget); the attempt in flight then goes on alone.
 */
final class Hedging {

	private static final Log logger = LogFactory.getLog(Hedging.class);

	private static final int NONE = -1;

	private static final int FIRST = 0;

	private static final int HEDGE = 1;

	private final TargetResilience resilience;

	private final LlmMetrics metrics;

	private final TargetAdmission admission;

	Hedging(TargetResilience resilience, LlmMetrics metrics, TargetAdmission admission) {
		this.resilience = resilience;
		this.metrics = metrics;
		this.admission = admission;
	}

	/**
	 * Return the race of a target's try against a hedge, or {@code null} when the try is
	 * not hedged: the policy does not hedge, the call is not idempotent or its attempts
	 * cannot run at once, the call's hedge was already started, or the hedge would go to
	 * the next target and this one is the last.
	 * @param <T> the element type
	 * @param call the logical call
	 * @param options how the call runs
	 * @param index the position of the target in the policy
	 * @return the race, to be subscribed once, or {@code null}
	 */
	<T> @Nullable Race<T> race(CallState call, ExecutionOptions<T> options, int index) {
		HedgeSettings settings = call.policy().hedge();
		if (!settings.enabled() || !options.hedging() || !call.idempotent() || call.hedgeStarted()) {
			return null;
		}
		int hedgeIndex = (settings.target() == HedgeTarget.SAME) ? index : index + 1;
		// In a pool, a hedge to the next target goes to another member when one can be
		// sent to then, else to the next slot.
		boolean toAnotherMember = call.policy().slots().get(index).members().size() > 1;
		if (hedgeIndex >= call.policy().slots().size() && !toAnotherMember) {
			return null;
		}
		return new Race<>(call, options, settings.delay(), index, hedgeIndex);
	}

	/**
	 * Makes a target's try: its circuit breaker, its retry and its attempts.
	 *
	 * @param <T> the element type
	 */
	@FunctionalInterface
	interface TargetTry<T> {

		/**
		 * Return a target's try.
		 * @param index the position of the target in the policy
		 * @param attempt makes one attempt against a scope's target
		 * @param hedge whether the try is a hedge's, already counted against the retry
		 * budget
		 * @param member for a hedge in a pool slot, the member its first attempt goes to;
		 * otherwise {@code null}
		 * @return the try
		 */
		Flux<T> apply(int index, Function<AttemptScope, ? extends Publisher<T>> attempt, boolean hedge,
				@Nullable Target member);

	}

	/**
	 * Where the trigger of the hedge's leg stands: it fires once, or is closed once,
	 * never both.
	 */
	private enum Trigger {

		PENDING, FIRED, CLOSED

	}

	/**
	 * One target try raced against its hedge.
	 *
	 * @param <T> the element type
	 */
	final class Race<T> {

		private final CallState call;

		private final ExecutionOptions<T> options;

		private final Duration delay;

		private final int index;

		// Where the hedge goes: set again when it fires, since in a pool slot it goes to
		// a member that can be sent to then. Guarded by this race.
		private int hedgeIndex;

		private @Nullable Target hedgeMember;

		private Target from;

		private Target to;

		private final Sinks.One<Boolean> hedgeTrigger = Sinks.one();

		@SuppressWarnings("unchecked")
		private final Sinks.One<Boolean>[] lost = new Sinks.One[] { Sinks.one(), Sinks.one() };

		// Everything below is guarded by this race.

		private final @Nullable Throwable[] failures = new Throwable[2];

		private Trigger trigger = Trigger.PENDING;

		private int winner = NONE;

		private int lastFailed = NONE;

		private @Nullable Throwable winnerFailure;

		private boolean hedgeSent;

		private boolean finished;

		private @Nullable AttemptScope armedFor;

		private @Nullable Disposable timer;

		Race(CallState call, ExecutionOptions<T> options, Duration delay, int index, int hedgeIndex) {
			this.call = call;
			this.options = options;
			this.delay = delay;
			this.index = index;
			this.hedgeIndex = hedgeIndex;
			ResolvedPolicy policy = call.policy();
			this.from = policy.slots().get(index).target();
			this.to = policy.slots().get(hedgeIndex).target();
		}

		/**
		 * Run the race.
		 * @param attempt makes one attempt against a scope's target
		 * @param targetTry makes a target's try (circuit breaker, retry, attempts)
		 * @return the elements of the leg that answers first, or the later failure of the
		 * two
		 */
		Flux<T> run(Function<AttemptScope, ? extends Publisher<T>> attempt, TargetTry<T> targetTry) {
			Flux<T> first = leg(FIRST,
					targetTry.apply(this.index, (scope) -> attempt(FIRST, scope, attempt), false, null));
			Flux<T> hedge = this.hedgeTrigger.asMono()
				.flatMapMany((fired) -> startsHedge() ? leg(HEDGE, hedgeTry(targetTry, attempt)) : Flux.empty());
			return Flux.merge(first, hedge)
				.concatWith(Flux.defer(this::outcome))
				.doOnTerminate(this::finish)
				.doOnCancel(this::finish);
		}

		private synchronized Flux<T> hedgeTry(TargetTry<T> targetTry,
				Function<AttemptScope, ? extends Publisher<T>> attempt) {
			return targetTry.apply(this.hedgeIndex, (scope) -> attempt(HEDGE, scope, attempt), true, this.hedgeMember);
		}

		/**
		 * Choose where the hedge of an attempt goes. In a pool slot: with {@code same},
		 * the attempt's member; with {@code next}, another member that can be sent to
		 * now, else the next slot.
		 * @return why there is nowhere to send it, or {@code null}
		 */
		private @Nullable String aim(AttemptScope scope) {
			ResolvedPolicy policy = this.call.policy();
			TargetSlot slot = policy.slots().get(this.index);
			if (!slot.isPool()) {
				return null;
			}
			this.from = scope.target();
			if (policy.hedge().target() == HedgeTarget.SAME) {
				this.hedgeIndex = this.index;
				this.hedgeMember = scope.target();
				this.to = scope.target();
				return null;
			}
			PoolTry pool = this.call.poolTry(this.index);
			PoolMember member = (pool != null) ? Hedging.this.admission.hedgeMember(pool, scope.target()) : null;
			if (member != null) {
				this.hedgeIndex = this.index;
				this.hedgeMember = member.target();
				this.to = member.target();
				return null;
			}
			if (this.index + 1 < policy.slots().size()) {
				this.hedgeIndex = this.index + 1;
				this.hedgeMember = null;
				this.to = policy.slots().get(this.index + 1).target();
				return null;
			}
			return "no other member of the pool can be sent to now, and no slot follows";
		}

		/**
		 * Return the position of the last target the race tried: the chain goes on after
		 * it.
		 * @return the hedge's target if a hedge to the next target was started, else the
		 * target in flight
		 */
		synchronized int lastIndex() {
			return (this.trigger == Trigger.FIRED) ? Math.max(this.index, this.hedgeIndex) : this.index;
		}

		/**
		 * Return the position of the target whose failure ended the race, the later of
		 * the two.
		 * @return the target's position in the policy
		 */
		synchronized int failedIndex() {
			return (this.lastFailed == HEDGE) ? this.hedgeIndex : this.index;
		}

		/**
		 * A leg's failure does not end the race while the other leg may still answer, so
		 * it is recorded and the leg ends; a leg that lost the race is cancelled.
		 */
		private Flux<T> leg(int leg, Flux<T> targetTry) {
			return targetTry.onErrorResume((failure) -> {
				failed(leg, failure);
				return Flux.empty();
			}).takeUntilOther(this.lost[leg].asMono());
		}

		private Publisher<T> attempt(int leg, AttemptScope scope,
				Function<AttemptScope, ? extends Publisher<T>> attempt) {
			AttemptScope legScope = (leg == HEDGE) ? scope.asHedge() : scope;
			return Flux.defer(() -> {
				if (leg == FIRST) {
					arm(legScope);
				}
				else {
					sent();
				}
				Flux<T> answer = Flux.from(attempt.apply(legScope));
				if (leg == HEDGE) {
					// Code that reads the attempt from the context (an @LlmCall method's
					// LlmClient
					// calls) sees the hedge's scope.
					answer = answer.contextWrite((context) -> context.put(AttemptScope.KEY, legScope));
				}
				Holding holding = new Holding(leg, legScope);
				return answer.concatMapIterable(holding::next)
					.concatWith(Flux.defer(holding::complete))
					.doOnTerminate(() -> disarm(legScope))
					.doOnCancel(() -> disarm(legScope));
			});
		}

		/**
		 * Start the hedge's timer for an attempt of the target in flight, unless the race
		 * is decided or the call's hedge is spent.
		 */
		private synchronized void arm(AttemptScope scope) {
			if (this.trigger != Trigger.PENDING || this.winner != NONE || this.call.hedgeStarted()) {
				return;
			}
			disposeTimer();
			this.armedFor = scope;
			this.timer = Mono.delay(this.delay).subscribe((tick) -> fire(scope));
		}

		private synchronized void disarm(AttemptScope scope) {
			if (this.armedFor == scope) {
				disposeTimer();
			}
		}

		/**
		 * Stop the hedge's timer and close its trigger if it is still pending: no hedge
		 * will be sent. Called holding the lock.
		 * @return whether the trigger was closed, so that the caller completes its
		 * publisher once it no longer holds the lock
		 */
		private boolean closePendingTrigger() {
			disposeTimer();
			if (this.trigger != Trigger.PENDING) {
				return false;
			}
			this.trigger = Trigger.CLOSED;
			return true;
		}

		private void disposeTimer() {
			if (this.timer != null) {
				this.timer.dispose();
				this.timer = null;
			}
			this.armedFor = null;
		}

		/**
		 * The delay passed while the attempt was in flight without an answer: send the
		 * hedge if nothing forbids it.
		 */
		private void fire(AttemptScope scope) {
			synchronized (this) {
				if (this.trigger != Trigger.PENDING || this.winner != NONE || this.armedFor != scope) {
					return;
				}
				this.timer = null;
				this.armedFor = null;
				String refusal = aim(scope);
				if (refusal == null) {
					refusal = refusal();
				}
				if (refusal != null) {
					if (logger.isDebugEnabled()) {
						logger.debug("Policy '" + this.call.policy().name() + "' does not hedge " + scope + " on "
								+ this.to + ": " + refusal);
					}
					return;
				}
				if (!this.call.startHedge()) {
					return;
				}
				this.trigger = Trigger.FIRED;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Policy '" + this.call.policy().name() + "' hedges " + scope + " on " + this.to + " after "
						+ this.delay.toMillis() + "ms without an answer");
			}
			this.hedgeTrigger.tryEmitValue(Boolean.TRUE);
		}

		/**
		 * Return why the hedge may not be sent now, or {@code null} if it may. The
		 * admission is asked last, so that it is asked only for a hedge that is sent if
		 * it agrees: it is called on a timer thread, while this race is locked, and
		 * neither blocks nor waits.
		 */
		private @Nullable String refusal() {
			if (!this.call.idempotent()) {
				return "a request of the call may not be sent twice";
			}
			if (Hedging.this.resilience.isOpen(this.to)) {
				return "its circuit breaker is open";
			}
			if (!Hedging.this.admission.mayResend(this.call, this.to)) {
				return "the hedge is not permitted (retry budget)";
			}
			return null;
		}

		/**
		 * Whether the hedge's leg starts now that its trigger fired: not if the race was
		 * decided in the meantime.
		 */
		private synchronized boolean startsHedge() {
			return this.winner == NONE;
		}

		/**
		 * Record that the hedge's leg sends a request.
		 */
		private synchronized void sent() {
			if (!this.hedgeSent) {
				this.hedgeSent = true;
				this.call.hedge(HedgeOutcome.LOST);
			}
		}

		/**
		 * A leg answers: it wins unless the other one already did. The other leg is
		 * cancelled, and the hedge no longer starts.
		 */
		private boolean claim(int leg, AttemptScope scope) {
			boolean closeTrigger;
			synchronized (this) {
				if (this.winner != NONE) {
					return this.winner == leg;
				}
				this.winner = leg;
				closeTrigger = closePendingTrigger();
				this.call.target(scope.target(), scope.targetIndex());
				if (leg == HEDGE) {
					this.call.hedge(HedgeOutcome.WON);
				}
			}
			if (closeTrigger) {
				this.hedgeTrigger.tryEmitEmpty();
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Policy '" + this.call.policy().name() + "': " + scope + " answers first, the "
						+ ((leg == HEDGE) ? "attempt it raced" : "hedge") + " is cancelled");
			}
			this.lost[1 - leg].tryEmitValue(Boolean.TRUE);
			return true;
		}

		private void failed(int leg, Throwable failure) {
			boolean closeTrigger = false;
			synchronized (this) {
				if (this.winner == leg) {
					this.winnerFailure = failure;
					return;
				}
				this.failures[leg] = failure;
				this.lastFailed = leg;
				if (leg == FIRST) {
					// Given up before the hedge was sent: the policy's rules go on
					// without one.
					closeTrigger = closePendingTrigger();
				}
			}
			if (closeTrigger) {
				this.hedgeTrigger.tryEmitEmpty();
			}
		}

		private synchronized Flux<T> outcome() {
			if (this.winner != NONE) {
				return (this.winnerFailure != null) ? Flux.error(this.winnerFailure) : Flux.empty();
			}
			return (this.lastFailed != NONE) ? Flux.error(this.failures[this.lastFailed]) : Flux.empty();
		}

		private void finish() {
			boolean closeTrigger;
			boolean count;
			HedgeOutcome outcome;
			synchronized (this) {
				if (this.finished) {
					return;
				}
				this.finished = true;
				closeTrigger = closePendingTrigger();
				count = this.hedgeSent;
				outcome = (this.winner == HEDGE) ? HedgeOutcome.WON : HedgeOutcome.LOST;
			}
			if (closeTrigger) {
				this.hedgeTrigger.tryEmitEmpty();
			}
			if (count) {
				Hedging.this.metrics.hedge(this.call.policy().name(), this.from, this.to, outcome);
			}
		}

		/**
		 * Whether an element is content: a text element with text, a chunk with tool
		 * calls, or any element that carries no text (a whole answer).
		 */
		private boolean isContent(T element) {
			if (element instanceof ChatChunk chunk) {
				// A tool call is content, though it has no text.
				return chunk.hasContent();
			}
			Function<? super T, ? extends @Nullable CharSequence> text = this.options.text();
			if (text == null) {
				return true;
			}
			CharSequence content = text.apply(element);
			return content == null || content.length() > 0;
		}

		/**
		 * Holds an attempt's elements until its first content element (or its end), when
		 * the attempt claims the race: they are released if it wins and dropped if it
		 * lost.
		 */
		private final class Holding {

			private final int leg;

			private final AttemptScope scope;

			private final List<T> held = new ArrayList<>(1);

			private boolean claimed;

			private boolean beaten;

			Holding(int leg, AttemptScope scope) {
				this.leg = leg;
				this.scope = scope;
			}

			List<T> next(T element) {
				if (this.claimed) {
					return Collections.singletonList(element);
				}
				if (this.beaten) {
					return Collections.emptyList();
				}
				this.held.add(element);
				if (!isContent(element) || !wins()) {
					return Collections.emptyList();
				}
				return release();
			}

			/**
			 * An answer without content (an empty stream) is an answer too. A leg that
			 * lost is being cancelled: it ends with nothing.
			 */
			Flux<T> complete() {
				if (this.claimed) {
					return Flux.empty();
				}
				if (this.beaten || !wins()) {
					return Flux.never();
				}
				return Flux.fromIterable(release());
			}

			private boolean wins() {
				if (claim(this.leg, this.scope)) {
					this.claimed = true;
				}
				else {
					this.beaten = true;
					this.held.clear();
				}
				return this.claimed;
			}

			private List<T> release() {
				List<T> released = new ArrayList<>(this.held);
				this.held.clear();
				return released;
			}

		}

	}

}
