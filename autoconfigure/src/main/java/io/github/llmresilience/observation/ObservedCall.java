package io.github.llmresilience.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.observation.Observation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.policy.Target;

/**
 * What is reported about one logical call: its {@code llm.calls} observation (a timer,
 * and a span when a tracer is present) and its log line, written once when the call ends.
 * The engine says what happened; this class says it to Micrometer and the log.
 */
public final class ObservedCall {

	/**
	 * The category of the one line each logical call logs: INFO when the primary served,
	 * WARN when a fallback served or the call failed.
	 */
	public static final String LOGGER = "io.github.llmresilience.calls";

	private static final Log logger = LogFactory.getLog(LOGGER);

	private final LlmCallContext context;

	private final Observation observation;

	private final long startNanos = System.nanoTime();

	private final AtomicBoolean finished = new AtomicBoolean();

	private final boolean logged;

	ObservedCall(LlmCallContext context, Observation observation, boolean logged) {
		this.context = context;
		this.observation = observation;
		this.logged = logged;
	}

	/**
	 * Return the call's observation, the parent of its attempts' observations.
	 * @return the observation
	 */
	public Observation observation() {
		return this.observation;
	}

	/**
	 * Record that the policy gave up and an {@code @LlmCall} fallback method answers
	 * instead.
	 * @param failure the failure the fallback method answers
	 */
	public void answeredByFallbackMethod(Throwable failure) {
		this.context.setOutcome(CallOutcome.FALLBACK_METHOD);
		this.observation.error(failure);
	}

	/**
	 * Record that the subscriber cancelled the call, and end it.
	 * @param attempts the HTTP requests sent
	 * @param failures what each failed target try ended with, in order
	 */
	public void cancelled(int attempts, List<String> failures) {
		if (this.finished.compareAndSet(false, true)) {
			this.context.setOutcome(CallOutcome.CANCELLED);
			end(attempts, null, false, failures);
		}
	}

	/**
	 * End the call. Only the first end of a call counts.
	 * @param failure the call's failure, or {@code null} if it succeeded (or a fallback
	 * method answered)
	 * @param served the target whose answer the caller got, or {@code null} if none
	 * @param fallback whether that target is not the policy's primary
	 * @param attempts the HTTP requests sent
	 * @param failures what each failed target try ended with, in order
	 */
	public void finished(@Nullable Throwable failure, @Nullable Target served, boolean fallback, int attempts,
			List<String> failures) {
		finished(failure, served, fallback, null, attempts, failures);
	}

	/**
	 * End the call. Only the first end of a call counts.
	 * @param failure the call's failure, or {@code null} if it succeeded (or a fallback
	 * method answered)
	 * @param served the target whose answer the caller got, or {@code null} if none
	 * @param fallback whether that target is not the policy's primary
	 * @param hedge whether the call's hedge answered, or {@code null} if the call sent
	 * none
	 * @param attempts the HTTP requests sent
	 * @param failures what each failed target try ended with, in order
	 */
	public void finished(@Nullable Throwable failure, @Nullable Target served, boolean fallback,
			@Nullable HedgeOutcome hedge, int attempts, List<String> failures) {
		if (!this.finished.compareAndSet(false, true)) {
			return;
		}
		if (failure != null) {
			this.context.setOutcome((failure instanceof LlmDeadlineExceededException) ? CallOutcome.DEADLINE
					: (failure instanceof LlmException llm && llm.earliestAvailableAt() != null)
							? CallOutcome.UNAVAILABLE : CallOutcome.FAILURE);
			this.observation.error(failure);
		}
		else if (this.context.getOutcome() == CallOutcome.RUNNING) {
			this.context.setOutcome(CallOutcome.SUCCESS);
		}
		boolean success = this.context.getOutcome() == CallOutcome.SUCCESS;
		end(attempts, success ? served : null, success && fallback, hedge, failures);
	}

	private void end(int attempts, @Nullable Target served, boolean fallback, List<String> failures) {
		end(attempts, served, fallback, null, failures);
	}

	private void end(int attempts, @Nullable Target served, boolean fallback, @Nullable HedgeOutcome hedge,
			List<String> failures) {
		this.context.setAttempts(attempts);
		if (served != null) {
			this.context.setServed(served.provider(), served.model());
			this.context.setFallback(fallback);
		}
		this.observation.stop();
		log(attempts, served, hedge, failures);
	}

	private void log(int attempts, @Nullable Target served, @Nullable HedgeOutcome hedge, List<String> failures) {
		CallOutcome outcome = this.context.getOutcome();
		boolean warn = outcome != CallOutcome.SUCCESS && outcome != CallOutcome.CANCELLED || this.context.isFallback();
		if (!this.logged || (warn ? !logger.isWarnEnabled() : !logger.isInfoEnabled())) {
			return;
		}
		long millis = Duration.ofNanos(System.nanoTime() - this.startNanos).toMillis();
		StringBuilder line = new StringBuilder("LLM call policy=").append(this.context.getPolicy())
			.append(" outcome=")
			.append(outcome.value())
			.append(" served=")
			.append((served != null) ? served.name() : "none")
			.append(" attempts=")
			.append(attempts)
			.append(" fallback=")
			.append(this.context.isFallback());
		if (hedge != null) {
			line.append(" hedge=").append(hedge.value());
		}
		line.append(" duration=").append(millis).append("ms");
		if (!failures.isEmpty()) {
			line.append(" failures=").append(failures);
		}
		if (warn) {
			logger.warn(line);
		}
		else {
			logger.info(line);
		}
	}

}
