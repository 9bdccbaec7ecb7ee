package io.github.llmresilience.observation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.Usage;
import io.github.llmresilience.policy.Target;

/**
 * {@link LlmMetrics} on a Micrometer {@link MeterRegistry}: {@code llm.retries},
 * {@code llm.fallbacks}, {@code llm.hedges} and {@code gen_ai.client.token.usage}. Meters
 * are looked up once per tag combination and cached, so counting costs no allocation on
 * the hot path.
 */
public final class MicrometerLlmMetrics implements LlmMetrics {

	/**
	 * The retry counter's name.
	 */
	public static final String RETRIES = "llm.retries";

	/**
	 * The fallback counter's name.
	 */
	public static final String FALLBACKS = "llm.fallbacks";

	/**
	 * The hedge counter's name.
	 */
	public static final String HEDGES = "llm.hedges";

	/**
	 * The counter of paced attempts' name.
	 */
	public static final String PACED = "llm.paced";

	/**
	 * The counter of denied retries' name.
	 */
	public static final String RETRIES_DENIED = "llm.retries.denied";

	/**
	 * The counter of cooldowns shared across instances' name.
	 */
	public static final String SHARED_COOLDOWNS = "llm.shared.cooldowns";

	/**
	 * The rate-limit gauge's name.
	 */
	public static final String RATE_LIMIT_REMAINING = "llm.ratelimit.remaining";

	/**
	 * The token usage summary's name (OpenTelemetry's GenAI semantic conventions).
	 */
	public static final String TOKEN_USAGE = "gen_ai.client.token.usage";

	private final MeterRegistry registry;

	// Counters are counted on failures, fallbacks and hedges only, never on the happy
	// path.
	private final Map<CounterKey, Counter> counters = new ConcurrentHashMap<>();

	private final Map<UsageKey, DistributionSummary> usage = new ConcurrentHashMap<>();

	// The values of gen_ai.operation.name, as OpenTelemetry's GenAI semantic conventions
	// name the operations.
	private static final String CHAT = "chat";

	private static final String EMBEDDINGS = "embeddings";

	/**
	 * Create metrics on a registry.
	 * @param registry the registry
	 */
	public MicrometerLlmMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void retry(String policy, Target target, String reason) {
		count(RETRIES, "Retries scheduled on the same target", "policy", policy, "provider", target.provider(), "model",
				target.model(), "reason", reason);
	}

	@Override
	public void fallback(String policy, Target from, Target to, io.github.llmresilience.FailureKind reason) {
		count(FALLBACKS, "Moves from a failed target to the next target of a policy", "policy", policy, "from",
				from.name(), "to", to.name(), "reason", reason.value());
	}

	@Override
	public void hedge(String policy, Target from, Target to, HedgeOutcome outcome) {
		count(HEDGES, "Hedges sent while an attempt was slow to answer, by whether they answered first", "policy",
				policy, "from", from.name(), "to", to.name(), "outcome", outcome.value());
	}

	@Override
	public void usage(Target target, @Nullable String responseModel, Usage usage) {
		String reported = (responseModel != null) ? responseModel : "unknown";
		summary(CHAT, target, reported, "input").record(usage.promptTokens());
		summary(CHAT, target, reported, "output").record(usage.completionTokens());
	}

	@Override
	public void paced(Target target, String action) {
		count(PACED, "Attempts that waited, or targets given up, because a rate limit had nothing left", "provider",
				target.provider(), "model", target.model(), "action", action);
	}

	@Override
	public void retryDenied(String policy, Target target, String reason) {
		count(RETRIES_DENIED, "Retries that were not sent: the retry budget was spent or the server said no", "policy",
				policy, "provider", target.provider(), "model", target.model(), "reason", reason);
	}

	/**
	 * Increment a counter, registered on first use of its name and tags.
	 */
	private void count(String name, String description, String... tags) {
		this.counters
			.computeIfAbsent(new CounterKey(name, List.of(tags)),
					(key) -> Counter.builder(name).description(description).tags(tags).register(this.registry))
			.increment();
	}

	@Override
	public void sharedCooldown(Target target, String cause, String direction) {
		count(SHARED_COOLDOWNS,
				"Cooldowns shared with the other instances: published by this one, or applied from another", "provider",
				target.provider(), "model", target.model(), "cause", cause, "direction", direction);
	}

	@Override
	public <S> void rateLimitRemaining(Target target, String limit, S state, ToDoubleFunction<S> remaining) {
		Gauge.builder(RATE_LIMIT_REMAINING, state, remaining)
			.description("What the provider's rate-limit headers last said remains of a limit")
			.tag("provider", target.provider())
			.tag("model", target.model())
			.tag("limit", limit)
			.register(this.registry);
	}

	@Override
	public void embeddingsUsage(Target target, @Nullable String responseModel, Usage usage) {
		String reported = (responseModel != null) ? responseModel : "unknown";
		// An embedding has input tokens only.
		summary(EMBEDDINGS, target, reported, "input").record(usage.promptTokens());
	}

	private DistributionSummary summary(String operation, Target target, String responseModel, String type) {
		return this.usage.computeIfAbsent(new UsageKey(operation, target.model(), responseModel, type),
				// No base unit: OpenTelemetry's "{token}" would become part of the
				// Prometheus name.
				(key) -> DistributionSummary.builder(TOKEN_USAGE)
					.description("Tokens used per request, by type")
					.tag("gen_ai.operation.name", key.operation())
					.tag("gen_ai.request.model", target.model())
					.tag("gen_ai.response.model", responseModel)
					.tag("gen_ai.token.type", type)
					.register(this.registry));
	}

	private record CounterKey(String name, List<String> tags) {

	}

	private record UsageKey(String operation, String requestModel, String responseModel, String type) {

	}

}
