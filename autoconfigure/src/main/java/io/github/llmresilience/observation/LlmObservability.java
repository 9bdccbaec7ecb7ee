package io.github.llmresilience.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Where llm-resilience reports what it does: the observation registry with the conventions of
 * {@code llm.calls} and {@code llm.attempts}, and the counters.
 */
public final class LlmObservability {

	/**
	 * Observability that records nothing.
	 */
	public static final LlmObservability NONE = new LlmObservability(ObservationRegistry.NOOP, null, null,
			LlmMetrics.NONE);

	/**
	 * The Reactor context key under which Micrometer keeps the current observation.
	 */
	public static final String OBSERVATION_KEY = "micrometer.observation";

	private static final LlmCallObservationConvention DEFAULT_CALL_CONVENTION = new DefaultLlmCallObservationConvention();

	private static final LlmAttemptObservationConvention DEFAULT_ATTEMPT_CONVENTION = new DefaultLlmAttemptObservationConvention();

	private final ObservationRegistry registry;

	private final @Nullable LlmCallObservationConvention callConvention;

	private final @Nullable LlmAttemptObservationConvention attemptConvention;

	private final LlmMetrics metrics;

	/**
	 * Create observability.
	 * @param registry the observation registry
	 * @param callConvention the application's convention for {@code llm.calls}, or {@code null}
	 * @param attemptConvention the application's convention for {@code llm.attempts}, or
	 * {@code null}
	 * @param metrics the counters
	 */
	public LlmObservability(ObservationRegistry registry, @Nullable LlmCallObservationConvention callConvention,
			@Nullable LlmAttemptObservationConvention attemptConvention, LlmMetrics metrics) {
		this.registry = registry;
		this.callConvention = callConvention;
		this.attemptConvention = attemptConvention;
		this.metrics = metrics;
	}

	/**
	 * Create the (not yet started) observation of a logical call.
	 * @param context the call's context
	 * @param parent the parent observation, or {@code null}
	 * @return the observation
	 */
	public Observation call(LlmCallContext context, @Nullable Observation parent) {
		Observation observation = Observation.createNotStarted(this.callConvention, DEFAULT_CALL_CONVENTION,
				() -> context, this.registry);
		return (parent != null) ? observation.parentObservation(parent) : observation;
	}

	/**
	 * Create the (not yet started) observation of an HTTP attempt.
	 * @param context the attempt's context
	 * @param parent the parent observation, or {@code null}
	 * @return the observation
	 */
	public Observation attempt(LlmAttemptContext context, @Nullable Observation parent) {
		Observation observation = Observation.createNotStarted(this.attemptConvention, DEFAULT_ATTEMPT_CONVENTION,
				() -> context, this.registry);
		return (parent != null) ? observation.parentObservation(parent) : observation;
	}

	/**
	 * Return the observation current on this thread, if any.
	 * @return the observation, or {@code null}
	 */
	public @Nullable Observation currentObservation() {
		return this.registry.getCurrentObservation();
	}

	/**
	 * Return the counters.
	 * @return the metrics
	 */
	public LlmMetrics metrics() {
		return this.metrics;
	}

}
