package io.github.llmresilience.policy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;

/**
 * A policy as it applies to calls: its targets in order (the primary first), its retry
 * settings, fallback rules and hedge settings, merged with {@code llm.defaults} once, at
 * start-up.
 *
 * @param name the policy's name
 * @param slots the primary, then the fallbacks in order, each a single target or a pool
 * @param retry the retry settings of every target of the policy
 * @param fallbackOn the failure kinds after which the next target is tried
 * @param deadline the longest a logical call may take, or {@code null}
 * @param hedge the hedge settings
 * @param embeddings what an embeddings policy adds, or {@code null} for a chat policy
 * @param whenAllUnavailable what a call does when every target is out
 * @param onContextLength the targets tried, instead of the remaining ones, after a
 * {@code context-length} failure
 * @param onContentFilter the targets tried, instead of the remaining ones, after a
 * {@code content-filter} failure
 */
public record ResolvedPolicy(String name, List<TargetSlot> slots, RetrySettings retry, Set<FailureKind> fallbackOn,
		@Nullable Duration deadline, HedgeSettings hedge, @Nullable EmbeddingSettings embeddings,
		WhenAllUnavailable whenAllUnavailable, List<Target> onContextLength, List<Target> onContentFilter) {

	/**
	 * Create a policy.
	 * @param name the name
	 * @param slots the target slots
	 * @param retry the retry settings
	 * @param fallbackOn the fallback kinds
	 * @param deadline the deadline
	 * @param hedge the hedge settings
	 * @param embeddings the embeddings settings, or {@code null}
	 * @param whenAllUnavailable what a call does when every target is out
	 * @param onContextLength the targets for a prompt too long
	 * @param onContentFilter the targets for refused content
	 */
	public ResolvedPolicy {
		Objects.requireNonNull(name, "'name' must not be null");
		slots = List.copyOf(slots);
		if (slots.isEmpty()) {
			throw new IllegalArgumentException("A policy needs at least one target");
		}
		fallbackOn = Set.copyOf(fallbackOn);
		Objects.requireNonNull(hedge, "'hedge' must not be null");
		Objects.requireNonNull(whenAllUnavailable, "'whenAllUnavailable' must not be null");
		onContextLength = List.copyOf(onContextLength);
		onContentFilter = List.copyOf(onContentFilter);
	}

	/**
	 * Create a policy without per-kind chains.
	 * @param name the name
	 * @param targets the targets
	 * @param retry the retry settings
	 * @param fallbackOn the fallback kinds
	 * @param deadline the deadline
	 * @param hedge the hedge settings
	 * @param embeddings the embeddings settings, or {@code null}
	 * @param whenAllUnavailable what a call does when every target is out
	 */
	public ResolvedPolicy(String name, List<Target> targets, RetrySettings retry, Set<FailureKind> fallbackOn,
			@Nullable Duration deadline, HedgeSettings hedge, @Nullable EmbeddingSettings embeddings,
			WhenAllUnavailable whenAllUnavailable) {
		this(name, singleSlots(targets), retry, fallbackOn, deadline, hedge, embeddings, whenAllUnavailable, List.of(),
				List.of());
	}

	/**
	 * Create a policy that fails at once when every target is out.
	 * @param name the name
	 * @param targets the targets
	 * @param retry the retry settings
	 * @param fallbackOn the fallback kinds
	 * @param deadline the deadline
	 * @param hedge the hedge settings
	 * @param embeddings the embeddings settings, or {@code null}
	 */
	public ResolvedPolicy(String name, List<Target> targets, RetrySettings retry, Set<FailureKind> fallbackOn,
			@Nullable Duration deadline, HedgeSettings hedge, @Nullable EmbeddingSettings embeddings) {
		this(name, singleSlots(targets), retry, fallbackOn, deadline, hedge, embeddings, WhenAllUnavailable.FAIL,
				List.of(), List.of());
	}

	/**
	 * Create a chat policy.
	 * @param name the name
	 * @param targets the targets
	 * @param retry the retry settings
	 * @param fallbackOn the fallback kinds
	 * @param deadline the deadline
	 * @param hedge the hedge settings
	 */
	public ResolvedPolicy(String name, List<Target> targets, RetrySettings retry, Set<FailureKind> fallbackOn,
			@Nullable Duration deadline, HedgeSettings hedge) {
		this(name, targets, retry, fallbackOn, deadline, hedge, null);
	}

	/**
	 * Create a chat policy that does not hedge.
	 * @param name the name
	 * @param targets the targets
	 * @param retry the retry settings
	 * @param fallbackOn the fallback kinds
	 * @param deadline the deadline
	 */
	public ResolvedPolicy(String name, List<Target> targets, RetrySettings retry, Set<FailureKind> fallbackOn,
			@Nullable Duration deadline) {
		this(name, targets, retry, fallbackOn, deadline, HedgeSettings.DISABLED);
	}

	/**
	 * Return the slots of single targets.
	 * @param targets the targets, in order
	 * @return a single-target slot per target
	 */
	public static List<TargetSlot> singleSlots(List<Target> targets) {
		List<TargetSlot> slots = new java.util.ArrayList<>(targets.size());
		for (int i = 0; i < targets.size(); i++) {
			slots.add(TargetSlot.single(i, targets.get(i)));
		}
		return slots;
	}

	/**
	 * Return every target of the policy's slots (not its per-kind chains): the members of
	 * its slots in order, each once.
	 * @return the targets
	 */
	public List<Target> targets() {
		java.util.LinkedHashSet<Target> targets = new java.util.LinkedHashSet<>();
		this.slots.forEach((slot) -> targets.addAll(slot.targets()));
		return List.copyOf(targets);
	}

	/**
	 * Return what the policy serves.
	 * @return {@link PolicyType#EMBEDDINGS} when it has embeddings settings, else
	 * {@link PolicyType#CHAT}
	 */
	public PolicyType type() {
		return (this.embeddings != null) ? PolicyType.EMBEDDINGS : PolicyType.CHAT;
	}

	/**
	 * Return the targets a failure of a kind goes on with instead of the remaining ones.
	 * @param kind the failure's kind
	 * @return the per-kind chain, empty when the policy has none for that kind
	 */
	public List<Target> chainFor(FailureKind kind) {
		return switch (kind) {
			case CONTEXT_LENGTH -> this.onContextLength;
			case CONTENT_FILTER -> this.onContentFilter;
			default -> List.of();
		};
	}

	/**
	 * Return every target the policy may send to: its own in order, then those of its
	 * per-kind chains, each once.
	 * @return the targets
	 */
	public List<Target> allTargets() {
		java.util.LinkedHashSet<Target> all = new java.util.LinkedHashSet<>(targets());
		all.addAll(this.onContextLength);
		all.addAll(this.onContentFilter);
		return List.copyOf(all);
	}

	/**
	 * Return the name of the Resilience4j {@code Retry} of one of this policy's targets:
	 * {@code <policy>@<provider>:<model>}.
	 * @param target the target
	 * @return the retry's name
	 */
	public String retryName(Target target) {
		return this.name + "@" + target.name();
	}

	/**
	 * Return the name of the Resilience4j {@code Retry} of one of this policy's slots:
	 * {@code <policy>@<provider>:<model>} for a single target, {@code <policy>@<slot>}
	 * ({@code primary}, {@code fallbacks[0]}, …) for a pool, whose one retry runs the
	 * slot's attempts across its members.
	 * @param slot the slot
	 * @return the retry's name
	 */
	public String retryName(TargetSlot slot) {
		return slot.isPool() ? this.name + "@" + slot.name() : retryName(slot.target());
	}

}
