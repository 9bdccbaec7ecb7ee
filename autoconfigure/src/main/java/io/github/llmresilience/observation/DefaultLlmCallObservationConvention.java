package io.github.llmresilience.observation;

import io.micrometer.common.KeyValues;

import io.github.llmresilience.observation.LlmMeters.TagKey;

/**
 * The default naming and tags of {@code llm.calls}: {@code policy}, {@code outcome},
 * {@code provider} and {@code model} (the target that served, or {@code none}) and
 * {@code fallback}. The meter handler adds {@code error}. {@code llm.calls.active}, which
 * counts calls in progress, has {@code policy} only. Nothing of high cardinality becomes
 * a tag.
 */
public class DefaultLlmCallObservationConvention implements LlmCallObservationConvention {

	private static final String NONE = LlmMeters.NONE;

	private final KeyValuesCache<Key> keyValues = new KeyValuesCache<>(Key::toKeyValues);

	private final KeyValuesCache<String> running = new KeyValuesCache<>(
			(policy) -> KeyValues.of(TagKey.POLICY.withValue(policy)));

	@Override
	public String getName() {
		return LlmMeters.CALLS.getName();
	}

	@Override
	public String getContextualName(LlmCallContext context) {
		return "llm call " + context.getPolicy();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LlmCallContext context) {
		if (context.getOutcome() == CallOutcome.RUNNING) {
			// Asked when the call starts, for llm.calls.active: only the policy is known
			// yet.
			return this.running.get(context.getPolicy());
		}
		Key key = new Key(context.getPolicy(), context.getOutcome(),
				(context.getProvider() != null) ? context.getProvider() : NONE,
				(context.getModel() != null) ? context.getModel() : NONE, context.isFallback());
		return this.keyValues.get(key);
	}

	private record Key(String policy, CallOutcome outcome, String provider, String model, boolean fallback) {

		KeyValues toKeyValues() {
			return KeyValues.of(TagKey.POLICY.withValue(this.policy), TagKey.OUTCOME.withValue(this.outcome.value()),
					TagKey.PROVIDER.withValue(this.provider), TagKey.MODEL.withValue(this.model),
					TagKey.FALLBACK.withValue(Boolean.toString(this.fallback)));
		}

	}

}
