package io.github.llmresilience.observation;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import org.junit.jupiter.api.Test;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link MeteredContext} gives the key values, low and high cardinality, that
 * Micrometer's own {@link Observation.Context} gives after the same changes, whichever
 * they are, and keeps changes made at once from two threads.
 */
class MeteredContextTests {

	private static final List<String> KEYS = List.of("error", "model", "outcome", "policy", "provider");

	@Test
	void givesTheKeyValuesAPlainContextGivesAfterEverySequenceOfChanges() {
		Random random = new Random(42);
		for (int run = 0; run < 2_000; run++) {
			MeteredContext ours = new LlmCallContext("summaries");
			Observation.Context micrometers = new Observation.Context();
			List<String> steps = new ArrayList<>();
			for (int step = 0; step < 8; step++) {
				boolean high = random.nextBoolean();
				Consumer<Observation.Context> change = change(random, high, steps);
				change.accept(ours);
				change.accept(micrometers);
				assertThat(ours.getLowCardinalityKeyValues()).as("low after %s", steps)
					.isEqualTo(micrometers.getLowCardinalityKeyValues());
				assertThat(ours.getHighCardinalityKeyValues()).as("high after %s", steps)
					.isEqualTo(micrometers.getHighCardinalityKeyValues());
				for (String key : KEYS) {
					assertThat(ours.getLowCardinalityKeyValue(key)).as("low %s after %s", key, steps)
						.isEqualTo(micrometers.getLowCardinalityKeyValue(key));
					assertThat(ours.getHighCardinalityKeyValue(key)).as("high %s after %s", key, steps)
						.isEqualTo(micrometers.getHighCardinalityKeyValue(key));
				}
				assertThat(ours.getAllKeyValues()).as("all after %s", steps).isEqualTo(micrometers.getAllKeyValues());
			}
		}
	}

	/**
	 * One random change of the low- or high-cardinality key values, described in
	 * {@code steps}.
	 */
	private static Consumer<Observation.Context> change(Random random, boolean high, List<String> steps) {
		String side = high ? "high: " : "low: ";
		switch (random.nextInt(4)) {
			case 0, 1 -> {
				KeyValues keyValues = keyValues(random);
				steps.add(side + "add " + keyValues);
				return high ? (context) -> context.addHighCardinalityKeyValues(keyValues)
						: (context) -> context.addLowCardinalityKeyValues(keyValues);
			}
			case 2 -> {
				KeyValue keyValue = KeyValue.of(key(random), "v" + random.nextInt(3));
				steps.add(side + "add one " + keyValue);
				return high ? (context) -> context.addHighCardinalityKeyValue(keyValue)
						: (context) -> context.addLowCardinalityKeyValue(keyValue);
			}
			default -> {
				String key = key(random);
				if (random.nextBoolean()) {
					steps.add(side + "remove " + key);
					return high ? (context) -> context.removeHighCardinalityKeyValue(key)
							: (context) -> context.removeLowCardinalityKeyValue(key);
				}
				String other = key(random);
				steps.add(side + "remove " + key + ", " + other);
				return high ? (context) -> context.removeHighCardinalityKeyValues(key, other)
						: (context) -> context.removeLowCardinalityKeyValues(key, other);
			}
		}
	}

	@Test
	void addingTheSameKeysWithOtherValuesGivesTheNewValues() {
		MeteredContext context = new LlmCallContext("summaries");
		context.addLowCardinalityKeyValues(KeyValues.of("outcome", "none", "policy", "summaries"));
		context
			.addLowCardinalityKeyValues(KeyValues.of("model", "gpt-4o", "outcome", "success", "policy", "summaries"));
		assertThat(context.getLowCardinalityKeyValues())
			.isEqualTo(KeyValues.of("model", "gpt-4o", "outcome", "success", "policy", "summaries"));
		context.addLowCardinalityKeyValues(KeyValues.of("outcome", "failure"));
		assertThat(context.getLowCardinalityKeyValues())
			.isEqualTo(KeyValues.of("model", "gpt-4o", "outcome", "failure", "policy", "summaries"));
	}

	@Test
	void keyValuesAddedAtOnceFromTwoThreadsAreAllKept() {
		for (int round = 0; round < 2_000; round++) {
			MeteredContext context = new LlmCallContext("summaries");
			context.addLowCardinalityKeyValues(KeyValues.of("policy", "summaries"));
			RaceTestUtils.race(() -> context.addLowCardinalityKeyValue(KeyValue.of("model", "gpt-4o")),
					() -> context.addLowCardinalityKeyValues(KeyValues.of("outcome", "success", "provider", "openai")));
			assertThat(context.getLowCardinalityKeyValues()).as("round %d", round)
				.isEqualTo(KeyValues.of("model", "gpt-4o", "outcome", "success", "policy", "summaries", "provider",
						"openai"));
		}
	}

	private static KeyValues keyValues(Random random) {
		List<KeyValue> keyValues = new ArrayList<>();
		int count = random.nextInt(KEYS.size() + 1);
		for (int i = 0; i < count; i++) {
			keyValues.add(KeyValue.of(key(random), "v" + random.nextInt(3)));
		}
		return KeyValues.of(keyValues);
	}

	private static String key(Random random) {
		return KEYS.get(random.nextInt(KEYS.size()));
	}

}
