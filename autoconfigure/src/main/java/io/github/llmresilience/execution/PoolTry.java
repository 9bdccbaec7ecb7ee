package io.github.llmresilience.execution;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;

/**
 * One logical call's try of a pool slot: the slot's attempts across its members, under
 * the slot's one retry. It remembers the members that failed since the last wait (a
 * sideways move goes to another one) and the member a sideways move chose for the next
 * attempt.
 */
final class PoolTry {

	/**
	 * A member out with no known end: a circuit forced open.
	 */
	static final Instant NEVER = Instant.MAX;

	final CallState call;

	final TargetSlot slot;

	final int index;

	final PoolState state;

	final Instant start;

	final @Nullable String affinityKey;

	final AtomicInteger attempts = new AtomicInteger();

	private final TargetResilience resilience;

	private final Set<Target> passed = new HashSet<>();

	private final Set<Target> tooSmall = new HashSet<>();

	private @Nullable PoolMember next;

	PoolTry(CallState call, TargetSlot slot, int index, PoolState state, Instant start, @Nullable String affinityKey,
			TargetResilience resilience) {
		this.call = call;
		this.slot = slot;
		this.index = index;
		this.state = state;
		this.start = start;
		this.affinityKey = affinityKey;
		this.resilience = resilience;
	}

	/**
	 * Return until when a member's circuit keeps it out.
	 * @param target the member's target
	 * @return the instant its open state ends, {@link #NEVER} for a circuit forced open
	 * or open for an unknown time, or {@code null} if requests may go
	 */
	@Nullable Instant circuitOpenUntil(Target target) {
		return this.resilience.circuitOpenUntil(target);
	}

	/**
	 * A member was passed over without a request because the call's request can never fit
	 * it (its {@code max-input-tokens}, its provider's declared token limit): no attempt
	 * of the call picks it again.
	 * @param target the member's target
	 */
	synchronized void tooSmall(Target target) {
		this.tooSmall.add(target);
	}

	/**
	 * Return the members the call's request can never fit.
	 * @return their targets
	 */
	synchronized Set<Target> tooSmall() {
		return Set.copyOf(this.tooSmall);
	}

	synchronized void passed(Target target) {
		this.passed.add(target);
	}

	synchronized Set<Target> passed() {
		return Set.copyOf(this.passed);
	}

	/**
	 * A wait before the next attempt: after it, every member may be picked again.
	 */
	synchronized void waited() {
		this.passed.clear();
		this.next = null;
	}

	synchronized void next(PoolMember member) {
		this.next = member;
	}

	synchronized @Nullable PoolMember takeNext() {
		PoolMember member = this.next;
		this.next = null;
		return member;
	}

}
