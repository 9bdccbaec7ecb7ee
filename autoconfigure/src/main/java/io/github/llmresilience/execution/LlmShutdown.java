package io.github.llmresilience.execution;

import org.springframework.context.SmartLifecycle;

/**
 * Ends the logical calls still running when the application shuts down, with a
 * {@link io.github.llmresilience.FailureKind#SHUTDOWN} failure: calls waiting in a
 * backoff, a {@code Retry-After} or a pacing wait end at once, and the exchanges in
 * flight are cancelled. It stops once Spring Boot's graceful shutdown of the web server
 * is over (its {@link #PHASE} is below that of
 * {@code WebServerGracefulShutdownLifecycle}), so that the web requests that finish
 * within {@code spring.lifecycle.timeout-per-shutdown-phase} keep their calls, and before
 * the web server stops.
 */
public final class LlmShutdown implements SmartLifecycle {

	/**
	 * The phase: after {@code WebServerGracefulShutdownLifecycle}
	 * ({@code DEFAULT_PHASE - 1024}) and before the web server stops
	 * ({@code DEFAULT_PHASE - 2048}). Lifecycles stop from the highest phase down.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

	private final LlmExecutor executor;

	private volatile boolean running;

	/**
	 * Create the lifecycle of an executor.
	 * @param executor the executor whose calls end at shutdown
	 */
	public LlmShutdown(LlmExecutor executor) {
		this.executor = executor;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		this.executor.shutdown();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
