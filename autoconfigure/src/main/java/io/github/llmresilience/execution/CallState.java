package io.github.llmresilience.execution;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.Priority;
import io.github.llmresilience.observation.HedgeOutcome;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;

/**
 * The state of one logical call, across its targets and attempts.
 */
public final class CallState {

	private final ResolvedPolicy policy;

	private final boolean idempotent;

	private final @Nullable Instant deadlineAt;

	private volatile Priority priority = Priority.INTERACTIVE;

	private final AtomicInteger attempts = new AtomicInteger();

	// Created on the first failure: most calls have none. Guarded by this.
	private @Nullable List<String> failures;

	// The providers this call has sent a request to: a later request to one of them is a
	// retry for its retry budget. Most calls send to one; the others are listed once a
	// call sends to a second. Guarded by this.
	private @Nullable String firstProvider;

	private @Nullable List<String> otherProviders;

	private volatile @Nullable Target currentTarget;

	private volatile int currentTargetIndex;

	private volatile @Nullable Throwable lastFailure;

	private volatile boolean delivered;

	private volatile boolean deadlineReached;

	private volatile boolean nonIdempotentRequest;

	private volatile boolean hedgeStarted;

	private volatile @Nullable HedgeOutcome hedge;

	// The call's try of each pool slot, shared by a hedge's leg: both count against the
	// slot's attempts.
	private @Nullable Map<Integer, PoolTry> pools;

	// The targets passed over without a request because they are out, and when each is
	// expected back (null: unknown); created on the first. Guarded by this.
	private @Nullable Map<Target, @Nullable Instant> out;

	private volatile boolean triedAgainWhenUnavailable;

	CallState(ResolvedPolicy policy, boolean idempotent, Instant start) {
		this.policy = policy;
		this.idempotent = idempotent;
		this.deadlineAt = (policy.deadline() != null) ? start.plus(policy.deadline()) : null;
	}

	/**
	 * Return the call's policy.
	 * @return the policy
	 */
	public ResolvedPolicy policy() {
		return this.policy;
	}

	/**
	 * Return whether repeating the call's requests is harmless: the annotation's or
	 * caller's word, and every request's own.
	 * @return whether the call is idempotent
	 */
	public boolean idempotent() {
		return this.idempotent && !this.nonIdempotentRequest;
	}

	@Nullable Instant deadlineAt() {
		return this.deadlineAt;
	}

	/**
	 * Return how urgent the call's requests are, unless a request says otherwise.
	 * @return the priority
	 */
	public Priority priority() {
		return this.priority;
	}

	void priority(Priority priority) {
		this.priority = priority;
	}

	/**
	 * Count an HTTP request of the call.
	 * @return the requests sent so far, this one included
	 */
	public int attemptSent() {
		return this.attempts.incrementAndGet();
	}

	/**
	 * Return the HTTP requests sent so far.
	 * @return the attempts
	 */
	public int attempts() {
		return this.attempts.get();
	}

	/**
	 * Record that a request of the call may not be sent twice.
	 */
	public void nonIdempotentRequest() {
		this.nonIdempotentRequest = true;
	}

	/**
	 * Record that the call sends a request to a provider.
	 * @param provider the provider
	 * @return whether it is the call's first request to that provider
	 */
	synchronized boolean firstRequestTo(String provider) {
		if (hasSentTo(provider)) {
			return false;
		}
		if (this.firstProvider == null) {
			this.firstProvider = provider;
		}
		else {
			if (this.otherProviders == null) {
				this.otherProviders = new ArrayList<>(2);
			}
			this.otherProviders.add(provider);
		}
		return true;
	}

	/**
	 * Return whether the call has sent a request to a provider.
	 * @param provider the provider
	 * @return whether it has
	 */
	synchronized boolean hasSentTo(String provider) {
		return provider.equals(this.firstProvider)
				|| (this.otherProviders != null && this.otherProviders.contains(provider));
	}

	void target(Target target, int index) {
		this.currentTarget = target;
		this.currentTargetIndex = index;
	}

	@Nullable Target currentTarget() {
		return this.currentTarget;
	}

	int currentTargetIndex() {
		return this.currentTargetIndex;
	}

	synchronized void failed(Target target, String kind) {
		if (this.failures == null) {
			this.failures = new ArrayList<>(2);
		}
		this.failures.add(target.name() + " " + kind);
	}

	synchronized List<String> failures() {
		return (this.failures != null) ? List.copyOf(this.failures) : List.of();
	}

	void lastFailure(Throwable failure) {
		this.lastFailure = failure;
	}

	@Nullable Throwable lastFailure() {
		return this.lastFailure;
	}

	void delivered() {
		this.delivered = true;
	}

	boolean hasDelivered() {
		return this.delivered;
	}

	/**
	 * Record that the call's one hedge has been started, so that no other is.
	 * @return whether no hedge had been started before
	 */
	synchronized boolean startHedge() {
		if (this.hedgeStarted) {
			return false;
		}
		this.hedgeStarted = true;
		return true;
	}

	boolean hedgeStarted() {
		return this.hedgeStarted;
	}

	void hedge(HedgeOutcome outcome) {
		this.hedge = outcome;
	}

	/**
	 * Return what became of the call's hedge.
	 * @return whether the hedge answered, or {@code null} if the call sent none
	 */
	@Nullable HedgeOutcome hedge() {
		return this.hedge;
	}

	synchronized PoolTry poolTry(int index, Supplier<PoolTry> create) {
		if (this.pools == null) {
			this.pools = new HashMap<>(2);
		}
		return this.pools.computeIfAbsent(index, (key) -> create.get());
	}

	synchronized @Nullable PoolTry poolTry(int index) {
		return (this.pools != null) ? this.pools.get(index) : null;
	}

	void deadlineReached() {
		this.deadlineReached = true;
	}

	boolean isDeadlineReached() {
		return this.deadlineReached;
	}

	/**
	 * Record that a target was passed over without a request because it is out: its
	 * circuit is open, its server named a time, its rate limit is used up for longer than
	 * the policy waits.
	 */
	synchronized void out(Target target, @Nullable Instant until) {
		if (this.out == null) {
			this.out = new HashMap<>();
		}
		this.out.put(target, until);
	}

	/**
	 * Return whether every target of the policy was found out.
	 */
	synchronized boolean allOut() {
		return (this.out != null) && this.out.keySet().containsAll(this.policy.targets());
	}

	/**
	 * Return the earliest instant a target found out is expected back.
	 */
	synchronized @Nullable Instant earliestAvailableAt() {
		Instant earliest = null;
		if (this.out == null) {
			return null;
		}
		for (Instant until : this.out.values()) {
			if (until != null && (earliest == null || until.isBefore(earliest))) {
				earliest = until;
			}
		}
		return earliest;
	}

	/**
	 * Forget which targets were found out, before they are tried again.
	 */
	synchronized void clearOut() {
		if (this.out != null) {
			this.out.clear();
		}
	}

	/**
	 * Record that the call waits or probes once because every target is out.
	 * @return whether it had not before
	 */
	synchronized boolean tryAgainWhenUnavailable() {
		if (this.triedAgainWhenUnavailable) {
			return false;
		}
		this.triedAgainWhenUnavailable = true;
		return true;
	}

}
