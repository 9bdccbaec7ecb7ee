package io.github.llmresilience.observation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.Usage;
import io.github.llmresilience.policy.Target;

/**
 * {@link LlmMetrics} on a Micrometer {@link MeterRegistry}: {@code llm.retries},
 * {@code llm.fallbacks}, {@code llm.hedges} and {@code gen_ai.client.token.usage}. Meters are looked up once per tag
 * combination and cached, so counting costs no allocation on the hot path.
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
	 * The token usage summary's name (OpenTelemetry's GenAI semantic conventions).
	 */
	public static final String TOKEN_USAGE = "gen_ai.client.token.usage";

	private final MeterRegistry registry;

	private final Map<RetryKey, Counter> retries = new ConcurrentHashMap<>();

	private final Map<FallbackKey, Counter> fallbacks = new ConcurrentHashMap<>();

	private final Map<HedgeKey, Counter> hedges = new ConcurrentHashMap<>();

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
		this.retries.computeIfAbsent(new RetryKey(policy, target, reason),
				(key) -> Counter.builder(RETRIES)
					.description("Retries scheduled on the same target")
					.tag("policy", policy)
					.tag("provider", target.provider())
					.tag("model", target.model())
					.tag("reason", reason)
					.register(this.registry))
			.increment();
	}

	@Override
	public void fallback(String policy, Target from, Target to, io.github.llmresilience.FailureKind reason) {
		this.fallbacks.computeIfAbsent(new FallbackKey(policy, from, to, reason.value()),
				(key) -> Counter.builder(FALLBACKS)
					.description("Moves from a failed target to the next target of a policy")
					.tag("policy", policy)
					.tag("from", from.name())
					.tag("to", to.name())
					.tag("reason", reason.value())
					.register(this.registry))
			.increment();
	}

	@Override
	public void hedge(String policy, Target from, Target to, HedgeOutcome outcome) {
		this.hedges.computeIfAbsent(new HedgeKey(policy, from, to, outcome),
				(key) -> Counter.builder(HEDGES)
					.description("Hedges sent while an attempt was slow to answer, by whether they answered first")
					.tag("policy", policy)
					.tag("from", from.name())
					.tag("to", to.name())
					.tag("outcome", outcome.value())
					.register(this.registry))
			.increment();
	}

	@Override
	public void usage(Target target, @Nullable String responseModel, Usage usage) {
		String reported = (responseModel != null) ? responseModel : "unknown";
		summary(target, reported, "input").record(usage.promptTokens());
		summary(target, reported, "output").record(usage.completionTokens());
	}

	private DistributionSummary summary(Target target, String responseModel, String type) {
		return this.usage.computeIfAbsent(new UsageKey(target.model(), responseModel, type),
				// No base unit: OpenTelemetry's "{token}" would become part of the Prometheus name.
				(key) -> DistributionSummary.builder(TOKEN_USAGE)
					.description("Tokens used per request, by type")
					.tag("gen_ai.operation.name", "chat")
					.tag("gen_ai.request.model", target.model())
					.tag("gen_ai.response.model", responseModel)
					.tag("gen_ai.token.type", type)
					.register(this.registry));
	}

	private record RetryKey(String policy, Target target, String reason) {

	}

	private record FallbackKey(String policy, Target from, Target to, String reason) {

	}

	private record HedgeKey(String policy, Target from, Target to, HedgeOutcome outcome) {

	}

	private record UsageKey(String requestModel, String responseModel, String type) {

	}

}
