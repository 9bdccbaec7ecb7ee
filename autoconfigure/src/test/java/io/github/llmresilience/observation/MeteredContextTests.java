package io.github.llmresilience.observation;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link MeteredContext} gives the low-cardinality key values that Micrometer's own
 * {@link Observation.Context} gives after the same changes, whichever they are.
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
			for (int step = 0; step < 6; step++) {
				switch (random.nextInt(4)) {
					case 0, 1 -> {
						KeyValues keyValues = keyValues(random);
						steps.add("add " + keyValues);
						ours.addLowCardinalityKeyValues(keyValues);
						micrometers.addLowCardinalityKeyValues(keyValues);
					}
					case 2 -> {
						KeyValue keyValue = KeyValue.of(key(random), "v" + random.nextInt(3));
						steps.add("add one " + keyValue);
						ours.addLowCardinalityKeyValue(keyValue);
						micrometers.addLowCardinalityKeyValue(keyValue);
					}
					default -> {
						String key = key(random);
						steps.add("remove " + key);
						if (random.nextBoolean()) {
							ours.removeLowCardinalityKeyValue(key);
							micrometers.removeLowCardinalityKeyValue(key);
						}
						else {
							String other = key(random);
							ours.removeLowCardinalityKeyValues(key, other);
							micrometers.removeLowCardinalityKeyValues(key, other);
						}
					}
				}
				assertThat(ours.getLowCardinalityKeyValues()).as("after %s", steps)
					.isEqualTo(micrometers.getLowCardinalityKeyValues());
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
