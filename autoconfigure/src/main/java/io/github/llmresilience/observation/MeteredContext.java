package io.github.llmresilience.observation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

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
 * It also keeps its low-cardinality key values as one immutable {@link KeyValues} instead
 * of {@link Observation.Context}'s concurrent map, which every observation would fill
 * twice ({@code SimpleObservation} adds the convention's at the start and again at the
 * stop) and copy and sort into new {@code KeyValues} at each read by the meter handler.
 * Every method that reads or changes them is overridden, so a reader sees what the
 * context's own map would hold after the same changes; a change made while another is in
 * progress on another thread is applied again on the newer values, so none is lost.
 */
abstract class MeteredContext extends Observation.Context {

	private static final VarHandle LOW_CARDINALITY;

	static {
		try {
			LOW_CARDINALITY = MethodHandles.lookup()
				.findVarHandle(MeteredContext.class, "lowCardinality", KeyValues.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private volatile KeyValues lowCardinality = KeyValues.empty();

	private Timer.@Nullable Sample timerSample;

	private LongTaskTimer.@Nullable Sample activeSample;

	@Override
	public Observation.Context addLowCardinalityKeyValues(KeyValues keyValues) {
		KeyValues known;
		KeyValues changed;
		do {
			known = this.lowCardinality;
			// Usually every key is replaced: the result is then what is added.
			changed = hasEveryKeyOf(keyValues, known) ? keyValues : known.and(keyValues);
		}
		while (!LOW_CARDINALITY.compareAndSet(this, known, changed));
		return this;
	}

	@Override
	public Observation.Context addLowCardinalityKeyValue(KeyValue keyValue) {
		KeyValues known;
		do {
			known = this.lowCardinality;
		}
		while (!LOW_CARDINALITY.compareAndSet(this, known, known.and(keyValue)));
		return this;
	}

	@Override
	public Observation.Context removeLowCardinalityKeyValue(String keyName) {
		return removeLowCardinalityKeyValues(keyName);
	}

	@Override
	public Observation.Context removeLowCardinalityKeyValues(String... keyNames) {
		List<String> removed = List.of(keyNames);
		KeyValues known;
		KeyValues changed;
		do {
			known = this.lowCardinality;
			List<KeyValue> kept = new ArrayList<>();
			for (KeyValue keyValue : known) {
				if (!removed.contains(keyValue.getKey())) {
					kept.add(keyValue);
				}
			}
			changed = KeyValues.of(kept);
		}
		while (!LOW_CARDINALITY.compareAndSet(this, known, changed));
		return this;
	}

	@Override
	public KeyValues getLowCardinalityKeyValues() {
		return this.lowCardinality;
	}

	@Override
	public @Nullable KeyValue getLowCardinalityKeyValue(String key) {
		for (KeyValue keyValue : this.lowCardinality) {
			if (keyValue.getKey().equals(key)) {
				return keyValue;
			}
		}
		return null;
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
