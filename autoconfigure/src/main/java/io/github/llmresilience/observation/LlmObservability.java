package io.github.llmresilience.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.Target;

/**
 * Where llm-resilience reports what it does: the observation registry with the
 * conventions of {@code llm.calls} and {@code llm.attempts}, and the counters.
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

	private final boolean callLog;

	/**
	 * Create observability.
	 * @param registry the observation registry
	 * @param callConvention the application's convention for {@code llm.calls}, or
	 * {@code null}
	 * @param attemptConvention the application's convention for {@code llm.attempts}, or
	 * {@code null}
	 * @param metrics the counters
	 */
	public LlmObservability(ObservationRegistry registry, @Nullable LlmCallObservationConvention callConvention,
			@Nullable LlmAttemptObservationConvention attemptConvention, LlmMetrics metrics) {
		this(registry, callConvention, attemptConvention, metrics, true);
	}

	private LlmObservability(ObservationRegistry registry, @Nullable LlmCallObservationConvention callConvention,
			@Nullable LlmAttemptObservationConvention attemptConvention, LlmMetrics metrics, boolean callLog) {
		this.registry = registry;
		this.callConvention = callConvention;
		this.attemptConvention = attemptConvention;
		this.metrics = metrics;
		this.callLog = callLog;
	}

	/**
	 * Return the same observability without the call log (the line each logical call logs
	 * in {@value ObservedCall#LOGGER}), for calls the application did not make.
	 * @return the observability
	 */
	public LlmObservability withoutCallLog() {
		return new LlmObservability(this.registry, this.callConvention, this.attemptConvention, this.metrics, false);
	}

	/**
	 * Start reporting a logical call: its {@code llm.calls} observation is started now.
	 * @param policy the call's policy
	 * @param parent the parent observation, or {@code null}
	 * @return the call's reporting
	 */
	public ObservedCall startCall(String policy, @Nullable Observation parent) {
		LlmCallContext context = new LlmCallContext(policy);
		Observation observation = Observation.createNotStarted(this.callConvention, DEFAULT_CALL_CONVENTION,
				() -> context, this.registry);
		if (parent != null) {
			observation.parentObservation(parent);
		}
		return new ObservedCall(context, observation.start(), this.callLog);
	}

	/**
	 * Start reporting an HTTP attempt: its {@code llm.attempts} observation is started
	 * now.
	 * @param policy the call's policy
	 * @param target the attempt's target
	 * @param parent the parent observation (the call's), or {@code null}
	 * @return the attempt's reporting
	 */
	public ObservedAttempt startAttempt(String policy, Target target, @Nullable Observation parent) {
		return startAttempt(policy, target, false, parent);
	}

	/**
	 * Start reporting an HTTP attempt: its {@code llm.attempts} observation is started
	 * now.
	 * @param policy the call's policy
	 * @param target the attempt's target
	 * @param hedge whether the attempt is part of a hedge
	 * @param parent the parent observation (the call's), or {@code null}
	 * @return the attempt's reporting
	 */
	public ObservedAttempt startAttempt(String policy, Target target, boolean hedge, @Nullable Observation parent) {
		LlmAttemptContext context = new LlmAttemptContext(policy, target.provider(), target.model());
		context.setHedge(hedge);
		Observation observation = Observation.createNotStarted(this.attemptConvention, DEFAULT_ATTEMPT_CONVENTION,
				() -> context, this.registry);
		if (parent != null) {
			observation.parentObservation(parent);
		}
		return new ObservedAttempt(target, context, observation.start(), this.metrics);
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
