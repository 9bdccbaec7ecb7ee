package io.github.llmresilience.observation;

import io.micrometer.common.KeyValues;

/**
 * The default naming and tags of {@code llm.attempts}: {@code policy}, {@code provider},
 * {@code model}, {@code result} ({@code success} or a failure kind) and {@code status} (the HTTP
 * status or {@code none}). Micrometer adds {@code error}.
 */
public class DefaultLlmAttemptObservationConvention implements LlmAttemptObservationConvention {

	/**
	 * The observation's name, which is also the timer's.
	 */
	public static final String NAME = "llm.attempts";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(LlmAttemptContext context) {
		return "llm attempt " + context.getProvider() + ":" + context.getModel();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LlmAttemptContext context) {
		return KeyValues.of("policy", context.getPolicy(), "provider", context.getProvider(), "model",
				context.getModel(), "result", context.getResult(), "status",
				(context.getStatus() != null) ? context.getStatus().toString() : "none");
	}

}
