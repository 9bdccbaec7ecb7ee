package io.github.llmresilience.observation;

import java.util.Iterator;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The context of one of the starter's observations, which carries the samples that
 * {@link LlmMeterObservationHandler} takes when it starts, in fields of its own rather
 * than in the context's map (a concurrent map whose table each observation would
 * otherwise create for them).
 * <p>
 * It also knows its low-cardinality key values as they stand whenever it can:
 * {@code SimpleObservation} adds the convention's at the start and again at the stop, and
 * the meter handler reads them after each, where {@link Observation.Context} would copy
 * and sort its map's values into new {@link KeyValues} at every read. Any other change (a
 * key value added or removed one at a time, by a filter or the application) makes the
 * context read its map again, so what a reader sees is what the map holds.
 */
abstract class MeteredContext extends Observation.Context {

	// Equal to the low-cardinality key values of the map, or null when not known.
	private volatile @Nullable KeyValues lowCardinality = KeyValues.empty();

	private Timer.@Nullable Sample timerSample;

	private LongTaskTimer.@Nullable Sample activeSample;

	@Override
	public Observation.Context addLowCardinalityKeyValues(KeyValues keyValues) {
		KeyValues known = this.lowCardinality;
		// What Observation.Context does, through its own one-at-a-time addition: this
		// class's would forget what is known.
		for (KeyValue keyValue : keyValues) {
			super.addLowCardinalityKeyValue(keyValue);
		}
		// The map held exactly what was known; once every one of its keys is replaced,
		// it holds exactly what was added.
		this.lowCardinality = (known != null && hasEveryKeyOf(keyValues, known)) ? keyValues : null;
		return this;
	}

	@Override
	public Observation.Context addLowCardinalityKeyValue(KeyValue keyValue) {
		super.addLowCardinalityKeyValue(keyValue);
		this.lowCardinality = null;
		return this;
	}

	@Override
	public Observation.Context removeLowCardinalityKeyValue(String keyName) {
		super.removeLowCardinalityKeyValue(keyName);
		this.lowCardinality = null;
		return this;
	}

	@Override
	public Observation.Context removeLowCardinalityKeyValues(String... keyNames) {
		super.removeLowCardinalityKeyValues(keyNames);
		this.lowCardinality = null;
		return this;
	}

	@Override
	public KeyValues getLowCardinalityKeyValues() {
		KeyValues known = this.lowCardinality;
		return (known != null) ? known : super.getLowCardinalityKeyValues();
	}

	/**
	 * Whether every key of {@code some} is a key of {@code all}; both are sorted by key,
	 * as {@link KeyValues} always are.
	 */
	private static boolean hasEveryKeyOf(KeyValues all, KeyValues some) {
		Iterator<KeyValue> candidates = all.iterator();
		for (KeyValue keyValue : some) {
			String key = keyValue.getKey();
			int order = 1;
			while (order > 0 && candidates.hasNext()) {
				order = key.compareTo(candidates.next().getKey());
			}
			if (order != 0) {
				return false;
			}
		}
		return true;
	}

	Timer.@Nullable Sample timerSample() {
		return this.timerSample;
	}

	void timerSample(Timer.Sample sample) {
		this.timerSample = sample;
	}

	LongTaskTimer.@Nullable Sample activeSample() {
		return this.activeSample;
	}

	void activeSample(LongTaskTimer.Sample sample) {
		this.activeSample = sample;
	}

}
