package io.github.llmresilience.observation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.Usage;
import io.github.llmresilience.policy.Target;

/**
 * {@link LlmMetrics} on a Micrometer {@link MeterRegistry}: the counters, the rate-limit
 * gauge and the token usage of {@link LlmMeters}. Meters are looked up once per tag
 * combination and cached, so counting costs no allocation on the hot path.
 */
public final class MicrometerLlmMetrics implements LlmMetrics {

	/**
	 * The {@code gen_ai.response.model} of an answer that names no model.
	 */
	private static final String UNKNOWN_MODEL = "unknown";

	private final MeterRegistry registry;

	// Counters are counted on failures, fallbacks and hedges only, never on the happy
	// path.
	private final Map<CounterKey, Counter> counters = new ConcurrentHashMap<>();

	private final Map<UsageKey, DistributionSummary> usage = new ConcurrentHashMap<>();

	/**
	 * Create metrics on a registry.
	 * @param registry the registry
	 */
	public MicrometerLlmMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void retry(String policy, Target target, String reason) {
		count(LlmMeters.RETRIES, policy, target.provider(), target.model(), reason);
	}

	@Override
	public void fallback(String policy, Target from, Target to, FailureKind reason) {
		count(LlmMeters.FALLBACKS, policy, from.name(), to.name(), reason.value());
	}

	@Override
	public void hedge(String policy, Target from, Target to, HedgeOutcome outcome) {
		count(LlmMeters.HEDGES, policy, from.name(), to.name(), outcome.value());
	}

	@Override
	public void usage(Target target, @Nullable String responseModel, Usage usage) {
		String reported = (responseModel != null) ? responseModel : UNKNOWN_MODEL;
		summary(GenAiOperation.CHAT, target, reported, TokenType.INPUT).record(usage.promptTokens());
		summary(GenAiOperation.CHAT, target, reported, TokenType.OUTPUT).record(usage.completionTokens());
	}

	@Override
	public void embeddingsUsage(Target target, @Nullable String responseModel, Usage usage) {
		String reported = (responseModel != null) ? responseModel : UNKNOWN_MODEL;
		// An embedding has input tokens only.
		summary(GenAiOperation.EMBEDDINGS, target, reported, TokenType.INPUT).record(usage.promptTokens());
	}

	@Override
	public void paced(Target target, PacedAction action, PacedLimit limit) {
		count(LlmMeters.PACED, target.provider(), target.model(), action.value(), limit.value());
	}

	@Override
	public void retryDenied(String policy, Target target, RetryDenial reason) {
		count(LlmMeters.RETRIES_DENIED, policy, target.provider(), target.model(), reason.value());
	}

	@Override
	public void sharedCooldown(Target target, String cause, CooldownDirection direction) {
		count(LlmMeters.SHARED_COOLDOWNS, target.provider(), target.model(), cause, direction.value());
	}

	@Override
	public <S> void rateLimitRemaining(Target target, RateLimitType limit, S state, ToDoubleFunction<S> remaining) {
		gauge(LlmMeters.RATE_LIMIT_REMAINING, state, remaining, target.provider(), target.model(), limit.value());
	}

	@Override
	public <S> void poolMemberAvailable(String policy, String slot, Target member, S state,
			ToDoubleFunction<S> available) {
		gauge(LlmMeters.POOL_MEMBER_AVAILABLE, state, available, policy, slot, member.provider(), member.model());
	}

	@Override
	public <S> void rateLimitReserved(Target target, RateLimitType limit, S state, ToDoubleFunction<S> reserved) {
		gauge(LlmMeters.RATE_LIMIT_RESERVED, state, reserved, target.provider(), target.model(), limit.value());
	}

	@Override
	public <Q> void batchQueued(String provider, Q queue, ToDoubleFunction<Q> queued) {
		gauge(LlmMeters.BATCH_QUEUED, queue, queued, provider);
	}

	/**
	 * Register a gauge that reads the state.
	 * @param meter the gauge
	 * @param state the state it reads
	 * @param value how it reads it
	 * @param values the values of its tags, in the order of its keys
	 */
	private <S> void gauge(LlmMeters meter, S state, ToDoubleFunction<S> value, String... values) {
		Gauge.builder(meter.getName(), state, value)
			.description(meter.getDescription())
			.tags(tags(meter, values))
			.register(this.registry);
	}

	/**
	 * Increment a counter, registered on first use of its tags.
	 * @param meter the counter
	 * @param values the values of its tags, in the order of its keys
	 */
	private void count(LlmMeters meter, String... values) {
		CounterKey key = new CounterKey(meter, List.of(values));
		// A look-up first: computeIfAbsent's function captures the tags, and would be
		// allocated on every count.
		Counter counter = this.counters.get(key);
		if (counter == null) {
			counter = this.counters.computeIfAbsent(key,
					(k) -> Counter.builder(meter.getName())
						.description(meter.getDescription())
						.tags(tags(meter, values))
						.register(this.registry));
		}
		counter.increment();
	}

	private DistributionSummary summary(GenAiOperation operation, Target target, String responseModel, TokenType type) {
		LlmMeters meter = LlmMeters.TOKEN_USAGE;
		UsageKey key = new UsageKey(operation, target.model(), responseModel, type);
		DistributionSummary summary = this.usage.get(key);
		if (summary != null) {
			return summary;
		}
		return this.usage.computeIfAbsent(key,
				(k) -> DistributionSummary.builder(meter.getName())
					.description(meter.getDescription())
					.tags(tags(meter, operation.value(), target.model(), responseModel, type.value()))
					.register(this.registry));
	}

	/**
	 * Return a meter's tags: its keys, in order, with these values.
	 */
	private static String[] tags(LlmMeters meter, String... values) {
		KeyName[] keys = meter.getKeyNames();
		if (keys.length != values.length) {
			throw new IllegalArgumentException(meter.getName() + " has " + keys.length + " tags, not " + values.length);
		}
		String[] tags = new String[2 * keys.length];
		for (int i = 0; i < keys.length; i++) {
			tags[2 * i] = keys[i].asString();
			tags[2 * i + 1] = values[i];
		}
		return tags;
	}

	private record CounterKey(LlmMeters meter, List<String> values) {

	}

	private record UsageKey(GenAiOperation operation, String requestModel, String responseModel, TokenType type) {

	}

}
