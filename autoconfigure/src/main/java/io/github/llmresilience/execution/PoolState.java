package io.github.llmresilience.execution;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;

/**
 * What a pool slot knows of its members, shared by the calls of its policy: the attempts
 * in flight to each (for {@code least-busy}), where {@code round-robin} stands, the
 * attempts each member was sent, and until when a member's server asked to be left alone
 * (a {@code Retry-After} within {@code max-retry-after}), which a single target waits for
 * and a pool picks around. All of it is local knowledge: nothing is read from another
 * instance to pick.
 */
public final class PoolState {

	private final String policy;

	private final TargetSlot slot;

	private final AtomicInteger next = new AtomicInteger();

	private final Map<Target, AtomicInteger> inFlight = new LinkedHashMap<>();

	private final Map<Target, AtomicLong> sent = new LinkedHashMap<>();

	private final Map<Target, Instant> serverWaits = new ConcurrentHashMap<>();

	PoolState(String policy, TargetSlot slot) {
		this.policy = policy;
		this.slot = slot;
		for (PoolMember member : slot.members()) {
			this.inFlight.put(member.target(), new AtomicInteger());
			this.sent.put(member.target(), new AtomicLong());
		}
	}

	/**
	 * Return the name of the pool's policy.
	 * @return the policy's name
	 */
	public String policy() {
		return this.policy;
	}

	/**
	 * Return the slot.
	 * @return the slot
	 */
	public TargetSlot slot() {
		return this.slot;
	}

	/**
	 * Return the attempts in flight to a member.
	 * @param target the member's target
	 * @return the attempts in flight
	 */
	public int inFlight(Target target) {
		AtomicInteger count = this.inFlight.get(target);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Return the attempts this pool sent to a member since the start.
	 * @param target the member's target
	 * @return the attempts sent
	 */
	public long sent(Target target) {
		AtomicLong count = this.sent.get(target);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Return until when a member's server asked not to be sent to, as of an instant.
	 * @param target the member's target
	 * @param now the instant
	 * @return the instant, or {@code null} if none is known after {@code now}
	 */
	public @Nullable Instant serverWait(Target target, Instant now) {
		Instant until = this.serverWaits.get(target);
		return (until != null && until.isAfter(now)) ? until : null;
	}

	void waitFor(Target target, Instant until) {
		this.serverWaits.merge(target, until, (a, b) -> a.isAfter(b) ? a : b);
	}

	int nextTurn() {
		return this.next.getAndIncrement() & Integer.MAX_VALUE;
	}

	void started(Target target) {
		AtomicInteger count = this.inFlight.get(target);
		if (count != null) {
			count.incrementAndGet();
		}
		AtomicLong total = this.sent.get(target);
		if (total != null) {
			total.incrementAndGet();
		}
	}

	void ended(Target target) {
		AtomicInteger count = this.inFlight.get(target);
		if (count != null) {
			count.decrementAndGet();
		}
	}

}
