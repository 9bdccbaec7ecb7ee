package io.github.llmresilience.observation;

import java.util.Locale;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.docs.MeterDocumentation;
import org.jspecify.annotations.Nullable;

/**
 * Every meter llm-resilience registers, as Micrometer's {@code ObservationDocumentation}
 * enums describe observations: one constant per meter with its name, type, description
 * and tag keys. The meters are recorded from here ({@link MicrometerLlmMetrics}, the
 * observation conventions and {@link LlmMeterObservationHandler}), and the documentation
 * tests compare {@code docs/reference/metrics.md} and the Grafana dashboard with
 * {@link #values()}. Names, tag keys and tag values are a public contract.
 */
public enum LlmMeters implements MeterDocumentation {

	/**
	 * One per logical call (observation {@code llm.calls}).
	 */
	CALLS("llm.calls", Meter.Type.TIMER, "Logical calls of a policy, by how they ended and the target that served",
			TagKey.POLICY, TagKey.OUTCOME, TagKey.PROVIDER, TagKey.MODEL, TagKey.FALLBACK, TagKey.ERROR),

	/**
	 * Calls in progress.
	 */
	CALLS_ACTIVE("llm.calls.active", Meter.Type.LONG_TASK_TIMER, "Logical calls in progress", TagKey.POLICY),

	/**
	 * One per HTTP attempt (observation {@code llm.attempts}).
	 */
	ATTEMPTS("llm.attempts", Meter.Type.TIMER, "HTTP attempts sent to a target, by result and status", TagKey.POLICY,
			TagKey.PROVIDER, TagKey.MODEL, TagKey.RESULT, TagKey.STATUS, TagKey.ERROR),

	/**
	 * Attempts in progress.
	 */
	ATTEMPTS_ACTIVE("llm.attempts.active", Meter.Type.LONG_TASK_TIMER, "HTTP attempts in progress", TagKey.POLICY,
			TagKey.PROVIDER, TagKey.MODEL),

	/**
	 * Retries scheduled on the same target.
	 */
	RETRIES("llm.retries", Meter.Type.COUNTER, "Retries scheduled on the same target", TagKey.POLICY, TagKey.PROVIDER,
			TagKey.MODEL, TagKey.REASON),

	/**
	 * Moves from a failed target to the next one.
	 */
	FALLBACKS("llm.fallbacks", Meter.Type.COUNTER, "Moves from a failed target to the next target of a policy",
			TagKey.POLICY, TagKey.FROM, TagKey.TO, TagKey.REASON),

	/**
	 * Hedges sent, counted when their race is over.
	 */
	HEDGES("llm.hedges", Meter.Type.COUNTER,
			"Hedges sent while an attempt was slow to answer, by whether they answered first", TagKey.POLICY,
			TagKey.FROM, TagKey.TO, TagKey.OUTCOME),

	/**
	 * What a target's rate-limit headers last said remains.
	 */
	RATE_LIMIT_REMAINING("llm.ratelimit.remaining", Meter.Type.GAUGE,
			"What the provider's rate-limit headers last said remains of a limit", TagKey.PROVIDER, TagKey.MODEL,
			TagKey.LIMIT),

	/**
	 * Whether each member of a pool can be sent to now.
	 */
	POOL_MEMBER_AVAILABLE("llm.pool.member.available", Meter.Type.GAUGE,
			"Whether a member of a pool can be sent to now (1) or is out (0): its circuit is open, its rate limit is "
					+ "used up or its server's wait is running",
			TagKey.POLICY, TagKey.SLOT, TagKey.PROVIDER, TagKey.MODEL),

	/**
	 * What is reserved in flight against a target's limits.
	 */
	RATE_LIMIT_RESERVED("llm.ratelimit.reserved", Meter.Type.GAUGE,
			"Requests in flight to a target, and the tokens they reserved, counted against its limits", TagKey.PROVIDER,
			TagKey.MODEL, TagKey.LIMIT),

	/**
	 * Requests held back by a used-up rate limit, a declared limit or a target's context.
	 */
	PACED("llm.paced", Meter.Type.COUNTER,
			"Requests that waited, or targets passed over without a request, because a limit had no room for them",
			TagKey.PROVIDER, TagKey.MODEL, TagKey.ACTION, TagKey.LIMIT),

	/**
	 * Retries that were not sent.
	 */
	RETRIES_DENIED("llm.retries.denied", Meter.Type.COUNTER,
			"Retries that were not sent: the retry budget was spent or the server said no", TagKey.POLICY,
			TagKey.PROVIDER, TagKey.MODEL, TagKey.REASON),

	/**
	 * Batch requests waiting for their turn to a provider.
	 */
	BATCH_QUEUED("llm.batch.queued", Meter.Type.GAUGE,
			"Batch requests waiting for their share of a provider's connections", TagKey.PROVIDER),

	/**
	 * Cooldowns shared with the other instances of the application.
	 */
	SHARED_COOLDOWNS("llm.shared.cooldowns", Meter.Type.COUNTER,
			"Cooldowns shared with the other instances: published by this one, or applied from another",
			TagKey.PROVIDER, TagKey.MODEL, TagKey.CAUSE, TagKey.DIRECTION),

	/**
	 * Tokens per answer, by type (OpenTelemetry's GenAI semantic conventions). No base
	 * unit: OpenTelemetry's {@code {token}} would become part of the Prometheus name.
	 */
	TOKEN_USAGE("gen_ai.client.token.usage", Meter.Type.DISTRIBUTION_SUMMARY, "Tokens used per request, by type",
			TagKey.GEN_AI_OPERATION_NAME, TagKey.GEN_AI_REQUEST_MODEL, TagKey.GEN_AI_RESPONSE_MODEL,
			TagKey.GEN_AI_TOKEN_TYPE);

	/**
	 * The tag value of a tag that has no value: no target served, no HTTP status, no
	 * error.
	 */
	public static final String NONE = "none";

	/**
	 * What the name of an observation's long task timer adds to the observation's name.
	 */
	public static final String ACTIVE_SUFFIX = ".active";

	private final String name;

	private final Meter.Type type;

	private final String description;

	private final KeyName[] keyNames;

	LlmMeters(String name, Meter.Type type, String description, KeyName... keyNames) {
		this.name = name;
		this.type = type;
		this.description = description;
		this.keyNames = keyNames;
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public Meter.Type getType() {
		return this.type;
	}

	/**
	 * Return what the meter counts, measures or shows.
	 * @return the description
	 */
	public String getDescription() {
		return this.description;
	}

	@Override
	public KeyName[] getKeyNames() {
		return this.keyNames.clone();
	}

	/**
	 * Return the meter of a name.
	 * @param name a meter's name, such as {@code llm.calls}
	 * @return the meter, or {@code null} if llm-resilience has none of that name (an
	 * observation a user's convention renamed)
	 */
	public static @Nullable LlmMeters named(String name) {
		for (LlmMeters meter : values()) {
			if (meter.name.equals(name)) {
				return meter;
			}
		}
		return null;
	}

	/**
	 * The tag keys of the meters.
	 */
	public enum TagKey implements KeyName {

		/**
		 * The policy's name.
		 */
		POLICY("policy"),

		/**
		 * A slot of a policy: {@code primary}, {@code fallbacks[0]}, ….
		 */
		SLOT("slot"),

		/**
		 * The provider of a target.
		 */
		PROVIDER("provider"),

		/**
		 * The model of a target, the one requested.
		 */
		MODEL("model"),

		/**
		 * How a call ended (a {@link CallOutcome}), or what became of a hedge (a
		 * {@link HedgeOutcome}).
		 */
		OUTCOME("outcome"),

		/**
		 * Whether a target other than the primary served the call.
		 */
		FALLBACK("fallback"),

		/**
		 * The simple name of the exception an observation ended with, or {@link #NONE}.
		 */
		ERROR("error"),

		/**
		 * How an attempt ended: an {@link AttemptResult} or the attempt's
		 * {@link io.github.llmresilience.FailureKind}.
		 */
		RESULT("result"),

		/**
		 * The HTTP status of an attempt's answer, or {@link #NONE}.
		 */
		STATUS("status"),

		/**
		 * Why a retry, fallback or denial happened: a failure kind, or a
		 * {@link RetryDenial}.
		 */
		REASON("reason"),

		/**
		 * The target given up or raced, as {@code provider:model}.
		 */
		FROM("from"),

		/**
		 * The next target, or the hedge's target, as {@code provider:model}.
		 */
		TO("to"),

		/**
		 * Which rate limit a gauge shows (a {@link RateLimitType}), or which limit paced
		 * a request (a {@link PacedLimit}).
		 */
		LIMIT("limit"),

		/**
		 * What pacing did: a {@link PacedAction}.
		 */
		ACTION("action"),

		/**
		 * What the server said that made a target cool down.
		 */
		CAUSE("cause"),

		/**
		 * Whether a cooldown was published or applied: a {@link CooldownDirection}.
		 */
		DIRECTION("direction"),

		/**
		 * The operation: a {@link GenAiOperation}.
		 */
		GEN_AI_OPERATION_NAME("gen_ai.operation.name"),

		/**
		 * The model requested.
		 */
		GEN_AI_REQUEST_MODEL("gen_ai.request.model"),

		/**
		 * The model the server reported, or {@code unknown}.
		 */
		GEN_AI_RESPONSE_MODEL("gen_ai.response.model"),

		/**
		 * A {@link TokenType}.
		 */
		GEN_AI_TOKEN_TYPE("gen_ai.token.type");

		private final String key;

		TagKey(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

	/**
	 * A tag value that is one of a few words: its value is the constant's name in lower
	 * case with dashes, such as {@code retry-budget} for {@code RETRY_BUDGET}.
	 */
	public interface TagValue {

		/**
		 * Return the constant's name, as enums have it.
		 * @return the name
		 */
		String name();

		/**
		 * Return the tag value.
		 * @return the value, such as {@code retry-budget}
		 */
		default String value() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

}
