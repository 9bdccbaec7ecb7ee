package io.github.llmresilience.observation;

import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.LlmException;
import io.github.llmresilience.Usage;
import io.github.llmresilience.policy.Target;

/**
 * What is reported about one HTTP attempt: its {@code llm.attempts} observation and the
 * tokens of its answer ({@code gen_ai.client.token.usage}).
 */
public final class ObservedAttempt {

	private final Target target;

	private final LlmAttemptContext context;

	private final Observation observation;

	private final LlmMetrics metrics;

	private final AtomicBoolean stopped = new AtomicBoolean();

	ObservedAttempt(Target target, LlmAttemptContext context, Observation observation, LlmMetrics metrics) {
		this.target = target;
		this.context = context;
		this.observation = observation;
		this.metrics = metrics;
	}

	/**
	 * Return the attempt's observation.
	 * @return the observation
	 */
	public Observation observation() {
		return this.observation;
	}

	/**
	 * Record the tokens of the answer.
	 * @param usage the token counts
	 * @param responseModel the model the server reported, or {@code null}
	 */
	public void usage(Usage usage, @Nullable String responseModel) {
		this.metrics.usage(this.target, responseModel, usage);
	}

	/**
	 * Record the input tokens of an embeddings answer.
	 * @param usage the token counts
	 * @param responseModel the model the server reported, or {@code null}
	 */
	public void embeddingsUsage(Usage usage, @Nullable String responseModel) {
		this.metrics.embeddingsUsage(this.target, responseModel, usage);
	}

	/**
	 * End the attempt with an answer.
	 */
	public void succeeded() {
		if (this.stopped.compareAndSet(false, true)) {
			this.context.setResult(AttemptResult.SUCCESS);
			this.context.setStatus(200);
			this.observation.stop();
		}
	}

	/**
	 * End the attempt with a failure: its kind and status become the {@code result} and
	 * {@code status} tags.
	 * @param failure the failure
	 */
	public void failed(Throwable failure) {
		if (this.stopped.compareAndSet(false, true)) {
			if (failure instanceof LlmException llm) {
				this.context.setResult(llm.kind());
				this.context.setStatus(llm.status());
			}
			else {
				this.context.setResult(AttemptResult.ERROR);
			}
			this.observation.error(failure);
			this.observation.stop();
		}
	}

	/**
	 * End the attempt because its subscriber went away.
	 */
	public void cancelled() {
		if (this.stopped.compareAndSet(false, true)) {
			this.context.setResult(AttemptResult.CANCELLED);
			this.observation.stop();
		}
	}

}
