package io.github.llmresilience.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code llm.attempts} observation; declare a bean of this type to
 * replace {@link DefaultLlmAttemptObservationConvention}.
 */
public interface LlmAttemptObservationConvention extends ObservationConvention<LlmAttemptContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof LlmAttemptContext;
	}

}
