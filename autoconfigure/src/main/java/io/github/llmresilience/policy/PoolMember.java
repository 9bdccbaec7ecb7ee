package io.github.llmresilience.policy;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A member of a target slot: one target, with its share of the slot's traffic and its
 * tier. A single-target slot has one member of weight 1 in tier 0.
 *
 * @param target the member's provider and model
 * @param weight the member's share against the other members of its tier, at least 1
 * @param tier the member's tier: a tier is used only while every member of the tiers
 * below it is out
 * @param modelFamily which members are the same model under different names
 * @param dimensions the vector size an embeddings member is asked for, or {@code null}
 * for the model's own size
 */
public record PoolMember(Target target, int weight, int tier, String modelFamily, @Nullable Integer dimensions) {

	/**
	 * Create a member.
	 * @param target the target
	 * @param weight the weight
	 * @param tier the tier
	 * @param modelFamily the model family
	 * @param dimensions the dimensions, or {@code null}
	 */
	public PoolMember {
		Objects.requireNonNull(target, "'target' must not be null");
		Objects.requireNonNull(modelFamily, "'modelFamily' must not be null");
		if (weight < 1) {
			throw new IllegalArgumentException("A member's weight must be at least 1");
		}
		if (tier < 0) {
			throw new IllegalArgumentException("A member's tier must be 0 or more");
		}
	}

	/**
	 * Create the member of a single-target slot.
	 * @param target the target
	 * @return the member: weight 1, tier 0, its model as family
	 */
	public static PoolMember of(Target target) {
		return new PoolMember(target, 1, 0, target.model(), null);
	}

}
