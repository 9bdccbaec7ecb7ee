package io.github.llmresilience.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code llm.calls} observation; declare a bean of this type to
 * replace {@link DefaultLlmCallObservationConvention}.
 */
public interface LlmCallObservationConvention extends ObservationConvention<LlmCallContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof LlmCallContext;
	}

}
