package io.github.llmresilience.observation;

import io.micrometer.common.KeyValues;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.observation.LlmMeters.TagKey;

/**
 * The default naming and tags of {@code llm.attempts}: {@code policy}, {@code provider},
 * {@code model}, {@code result} ({@code success} or a failure kind) and {@code status}
 * (the HTTP status or {@code none}). The meter handler adds {@code error}.
 * {@code llm.attempts.active}, which counts attempts in progress, has {@code policy},
 * {@code provider} and {@code model}. Spans also get {@code hedge} ({@code true} for an
 * attempt of a hedge), which meters do not.
 */
public class DefaultLlmAttemptObservationConvention implements LlmAttemptObservationConvention {

	private static final KeyValues HEDGE = KeyValues.of("hedge", "true");

	private static final KeyValues NOT_HEDGE = KeyValues.of("hedge", "false");

	private final KeyValuesCache<Key> keyValues = new KeyValuesCache<>(Key::toKeyValues);

	private final KeyValuesCache<Running> running = new KeyValuesCache<>(Running::toKeyValues);

	@Override
	public String getName() {
		return LlmMeters.ATTEMPTS.getName();
	}

	@Override
	public String getContextualName(LlmAttemptContext context) {
		return "llm attempt " + context.getProvider() + ":" + context.getModel();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LlmAttemptContext context) {
		if (context.getResult() == AttemptResult.RUNNING) {
			// Asked when the attempt starts, for llm.attempts.active: its result is not
			// known yet.
			return this.running.get(new Running(context.getPolicy(), context.getProvider(), context.getModel()));
		}
		Key key = new Key(context.getPolicy(), context.getProvider(), context.getModel(), context.getResult(),
				context.getStatus());
		return this.keyValues.get(key);
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(LlmAttemptContext context) {
		// Only spans get these: whether the attempt is the hedge of a slow one.
		return context.isHedge() ? HEDGE : NOT_HEDGE;
	}

	private record Running(String policy, String provider, String model) {

		KeyValues toKeyValues() {
			return KeyValues.of(TagKey.POLICY.withValue(this.policy), TagKey.PROVIDER.withValue(this.provider),
					TagKey.MODEL.withValue(this.model));
		}

	}

	private record Key(String policy, String provider, String model, LlmMeters.TagValue result,
			@Nullable Integer status) {

		KeyValues toKeyValues() {
			return KeyValues.of(TagKey.POLICY.withValue(this.policy), TagKey.PROVIDER.withValue(this.provider),
					TagKey.MODEL.withValue(this.model), TagKey.RESULT.withValue(this.result.value()),
					TagKey.STATUS.withValue((this.status != null) ? this.status.toString() : LlmMeters.NONE));
		}

	}

}
