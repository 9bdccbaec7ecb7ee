package io.github.llmresilience.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One slot of a policy's chain: its first target or one of its fallbacks. A slot is a
 * single target, or a pool of members (several deployments, regions or projects of one
 * model) among which each attempt picks one.
 *
 * @param name the slot's name: {@code primary}, {@code fallbacks[0]}, …
 * @param members the slot's members: one for a single target
 * @param pool how a pool picks its members, or {@code null} for a single target
 */
public record TargetSlot(String name, List<PoolMember> members, @Nullable PoolSettings pool) {

	/**
	 * Create a slot.
	 * @param name the name
	 * @param members the members
	 * @param pool the pool's settings, or {@code null}
	 */
	public TargetSlot {
		Objects.requireNonNull(name, "'name' must not be null");
		members = List.copyOf(members);
		if (members.isEmpty()) {
			throw new IllegalArgumentException("A slot needs at least one member");
		}
		if (pool == null && members.size() != 1) {
			throw new IllegalArgumentException("A single-target slot has exactly one member");
		}
	}

	/**
	 * Create a single-target slot.
	 * @param index the slot's position in the policy, 0 for the primary
	 * @param target the target
	 * @return the slot
	 */
	public static TargetSlot single(int index, Target target) {
		return new TargetSlot(name(index), List.of(PoolMember.of(target)), null);
	}

	/**
	 * Return the name of the slot at a position.
	 * @param index the position, 0 for the primary
	 * @return {@code primary}, {@code fallbacks[0]}, …
	 */
	public static String name(int index) {
		return (index == 0) ? "primary" : "fallbacks[" + (index - 1) + "]";
	}

	/**
	 * Return whether the slot is a pool.
	 * @return whether it is
	 */
	public boolean isPool() {
		return this.pool != null;
	}

	/**
	 * Return the target of a single-target slot, or the first member of a pool.
	 * @return the target
	 */
	public Target target() {
		return this.members.get(0).target();
	}

	/**
	 * Return the member of a target.
	 * @param target the target
	 * @return the member, or {@code null} if the target is not one
	 */
	public @Nullable PoolMember member(Target target) {
		for (PoolMember member : this.members) {
			if (member.target().equals(target)) {
				return member;
			}
		}
		return null;
	}

	/**
	 * Return the targets of the slot's members.
	 * @return the targets, in the order of the members
	 */
	public List<Target> targets() {
		List<Target> targets = new ArrayList<>(this.members.size());
		this.members.forEach((member) -> targets.add(member.target()));
		return targets;
	}

	/**
	 * How a pool picks its members.
	 *
	 * @param strategy how a member is picked among those of the lowest tier that can be
	 * sent to now
	 * @param sticky whether calls with the same affinity key go to the same member
	 */
	public record PoolSettings(PoolStrategy strategy, boolean sticky) {

		/**
		 * Create settings.
		 * @param strategy the strategy
		 * @param sticky whether calls are sticky
		 */
		public PoolSettings {
			Objects.requireNonNull(strategy, "'strategy' must not be null");
		}

	}

}
