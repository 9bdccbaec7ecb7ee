package io.github.llmresilience.observation;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The context of one of the starter's observations, which carries the samples that
 * {@link LlmMeterObservationHandler} takes when it starts, in fields of its own rather
 * than in the context's map (a concurrent map whose table each observation would
 * otherwise create for them).
 */
abstract class MeteredContext extends Observation.Context {

	private Timer.@Nullable Sample timerSample;

	private LongTaskTimer.@Nullable Sample activeSample;

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
