package io.github.llmresilience.execution;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Weighted rendezvous hashing: a key keeps its member, members get keys by weight, and a
 * member that leaves moves only its own keys.
 */
class PoolPickerTests {

	private static final PoolMember EAST = new PoolMember(new Target("azure-east", "gpt-4o-east"), 2, 0, "gpt-4o",
			null);

	private static final PoolMember WEST = new PoolMember(new Target("azure-west", "gpt-4o-west"), 1, 0, "gpt-4o",
			null);

	private static final PoolMember NORTH = new PoolMember(new Target("azure-north", "gpt-4o-north"), 1, 0, "gpt-4o",
			null);

	private static final int KEYS = 20_000;

	private static Map<String, PoolMember> assign(List<PoolMember> members) {
		Map<String, PoolMember> assigned = new HashMap<>();
		for (int i = 0; i < KEYS; i++) {
			String key = "conversation-" + i;
			assigned.put(key, PoolPicker.rendezvous(members, key));
		}
		return assigned;
	}

	@Test
	void removingAMemberMovesOnlyTheKeysItHeld() {
		Map<String, PoolMember> before = assign(List.of(EAST, WEST, NORTH));
		Map<String, PoolMember> after = assign(List.of(EAST, NORTH));
		int moved = 0;
		for (Map.Entry<String, PoolMember> entry : before.entrySet()) {
			PoolMember now = after.get(entry.getKey());
			if (entry.getValue() != WEST) {
				assertThat(now).as(entry.getKey()).isSameAs(entry.getValue());
			}
			else {
				moved++;
				assertThat(now).isIn(EAST, NORTH);
			}
		}
		assertThat(moved).isPositive();
	}

	@Test
	void keysAreSharedByWeight() {
		Map<String, PoolMember> assigned = assign(List.of(EAST, WEST, NORTH));
		double expected = 0.5;
		double tolerance = 4 * Math.sqrt(expected * (1 - expected) / KEYS);
		double east = assigned.values().stream().filter(EAST::equals).count() / (double) KEYS;
		assertThat(east).isCloseTo(expected, within(tolerance));
	}

	@Test
	void theSameKeyAlwaysHashesTheSame() {
		assertThat(PoolPicker.hash("conversation-1")).isEqualTo(PoolPicker.hash("conversation-1"))
			.isNotEqualTo(PoolPicker.hash("conversation-2"));
		assertThat(PoolPicker.rendezvous(List.of(EAST, WEST, NORTH), "conversation-1"))
			.isSameAs(PoolPicker.rendezvous(List.of(NORTH, WEST, EAST), "conversation-1"));
	}

}
