package io.github.llmresilience.execution;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.PoolStrategy;
import io.github.llmresilience.policy.TargetSlot;

/**
 * Chooses one member among the candidates of a pool's pick (the members of its lowest
 * tier that can be sent to now, which {@link TargetAdmission} finds), by the pool's
 * strategy, or by the call's affinity key when the pool is sticky.
 */
final class PoolPicker {

	private PoolPicker() {
	}

	/**
	 * Choose a member.
	 * @param candidates the members that may be chosen, at least one
	 * @param pool the pool's state
	 * @param random the engine's random source
	 * @param affinityKey the call's affinity key, or {@code null}
	 * @return the member
	 */
	static PoolMember choose(List<PoolMember> candidates, PoolState pool, RandomGenerator random,
			@Nullable String affinityKey) {
		TargetSlot.PoolSettings settings = pool.slot().pool();
		if (candidates.size() == 1) {
			return candidates.get(0);
		}
		if (settings != null && settings.sticky() && affinityKey != null) {
			return rendezvous(candidates, affinityKey);
		}
		PoolStrategy strategy = (settings != null) ? settings.strategy() : PoolStrategy.WEIGHTED;
		return switch (strategy) {
			case WEIGHTED -> weighted(candidates, random);
			case ROUND_ROBIN -> roundRobin(candidates, pool);
			case LEAST_BUSY -> leastBusy(candidates, pool);
		};
	}

	private static PoolMember weighted(List<PoolMember> candidates, RandomGenerator random) {
		long total = 0;
		for (PoolMember member : candidates) {
			total += member.weight();
		}
		long draw = random.nextLong(total);
		for (PoolMember member : candidates) {
			draw -= member.weight();
			if (draw < 0) {
				return member;
			}
		}
		return candidates.get(candidates.size() - 1);
	}

	/**
	 * The members take turns in the order they are listed; a member that cannot be sent
	 * to now passes its turn to the next one that can.
	 */
	private static PoolMember roundRobin(List<PoolMember> candidates, PoolState pool) {
		List<PoolMember> members = pool.slot().members();
		int turn = pool.nextTurn();
		for (int i = 0; i < members.size(); i++) {
			PoolMember member = members.get((turn + i) % members.size());
			if (candidates.contains(member)) {
				return member;
			}
		}
		return candidates.get(0);
	}

	private static PoolMember leastBusy(List<PoolMember> candidates, PoolState pool) {
		PoolMember best = candidates.get(0);
		int fewest = pool.inFlight(best.target());
		for (int i = 1; i < candidates.size(); i++) {
			PoolMember member = candidates.get(i);
			int inFlight = pool.inFlight(member.target());
			if (inFlight < fewest || (inFlight == fewest && member.weight() > best.weight())) {
				best = member;
				fewest = inFlight;
			}
		}
		return best;
	}

	/**
	 * Weighted rendezvous hashing: each member scores {@code -weight / ln(u)}, where
	 * {@code u} in (0, 1) is a hash of the key and the member; the highest score wins. A
	 * key keeps its member while that member can be sent to, and a member that leaves
	 * moves only the keys it held.
	 */
	static PoolMember rendezvous(List<PoolMember> candidates, String affinityKey) {
		PoolMember best = candidates.get(0);
		double bestScore = Double.NEGATIVE_INFINITY;
		for (PoolMember member : candidates) {
			double score = score(affinityKey, member);
			if (score > bestScore) {
				best = member;
				bestScore = score;
			}
		}
		return best;
	}

	private static double score(String affinityKey, PoolMember member) {
		long hash = hash(affinityKey + '\u0000' + member.target().name());
		// 53 random bits, shifted off zero: a uniform value strictly between 0 and 1.
		double unit = ((hash >>> 11) + 0.5) / (1L << 53);
		return -member.weight() / Math.log(unit);
	}

	/**
	 * FNV-1a over the UTF-8 bytes, then SplitMix64's finalizer to spread the bits: the
	 * same on every JVM, so every instance of a fleet sends a key to the same member.
	 */
	static long hash(String text) {
		long hash = 0xcbf29ce484222325L;
		for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
			hash ^= (b & 0xff);
			hash *= 0x100000001b3L;
		}
		hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
		hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
		return hash ^ (hash >>> 31);
	}

}
