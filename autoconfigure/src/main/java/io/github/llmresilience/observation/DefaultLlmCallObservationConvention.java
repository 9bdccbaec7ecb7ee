package io.github.llmresilience.observation;

import io.micrometer.common.KeyValues;

/**
 * The default naming and tags of {@code llm.calls}: {@code policy}, {@code outcome},
 * {@code provider} and {@code model} (the target that served, or {@code none}) and
 * {@code fallback}. Micrometer adds {@code error}. Nothing of high cardinality becomes a tag.
 */
public class DefaultLlmCallObservationConvention implements LlmCallObservationConvention {

	/**
	 * The observation's name, which is also the timer's.
	 */
	public static final String NAME = "llm.calls";

	private static final String NONE = "none";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(LlmCallContext context) {
		return "llm call " + context.getPolicy();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LlmCallContext context) {
		return KeyValues.of("policy", context.getPolicy(), "outcome", context.getOutcome(), "provider",
				(context.getProvider() != null) ? context.getProvider() : NONE, "model",
				(context.getModel() != null) ? context.getModel() : NONE, "fallback",
				Boolean.toString(context.isFallback()));
	}

}
