package io.github.llmresilience.shared;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.data.redis.connection.ReactiveRedisConnection;

/**
 * Whether Redis answers: the first connection, a heartbeat that asks Redis every
 * {@link #HEARTBEAT}, the WARN when it stops answering and the INFO when it answers
 * again, and what the health contributor shows of it. Everything runs on the shared
 * state's threads.
 */
final class RedisAvailability {

	private static final Log logger = LogFactory.getLog(RedisSharedState.class);

	/**
	 * How often Redis is asked whether it answers.
	 */
	static final Duration HEARTBEAT = Duration.ofSeconds(1);

	private final RedisResources redis;

	private final SharedStateSettings settings;

	private final Runnable answered;

	private final IntSupplier pendingCooldowns;

	private final Runnable checked;

	private final AtomicBoolean connecting = new AtomicBoolean();

	private final AtomicBoolean probing = new AtomicBoolean();

	private final List<Runnable> availableListeners = new CopyOnWriteArrayList<>();

	private volatile Status status = Status.STARTING;

	private volatile @Nullable Instant since;

	private volatile @Nullable String reason;

	private volatile boolean connected;

	private volatile @Nullable Disposable heartbeat;

	private volatile boolean stopped;

	/**
	 * Create the availability of Redis.
	 * @param redis the connections, the clock and the threads
	 * @param answered what to do every time Redis answers
	 * @param pendingCooldowns how many cooldowns wait to be published
	 * @param checked what to do when a check ends without an answer (start-up goes on)
	 */
	RedisAvailability(RedisResources redis, Runnable answered, IntSupplier pendingCooldowns, Runnable checked) {
		this.redis = redis;
		this.settings = redis.settings();
		this.answered = answered;
		this.pendingCooldowns = pendingCooldowns;
		this.checked = checked;
	}

	/**
	 * Whether Redis answered the last time it was asked.
	 * @return whether it is available
	 */
	boolean available() {
		return this.status == Status.UP;
	}

	/**
	 * Add what the health contributor shows: status, since when, and why it is down.
	 * @param details the details to add to
	 */
	void describeTo(Map<String, Object> details) {
		details.put("status", (this.status == Status.UP) ? "UP" : "DOWN");
		Instant since = this.since;
		if (since != null) {
			details.put("since", since.toString());
		}
		String reason = this.reason;
		if (reason != null && this.status != Status.UP) {
			details.put("reason", reason);
		}
	}

	/**
	 * Run a task on the shared state's threads every time Redis answers again, and at
	 * once if it answers now.
	 * @param listener the task
	 */
	void whenAvailable(Runnable listener) {
		this.availableListeners.add(listener);
		if (this.status == Status.UP) {
			this.redis.worker().schedule(listener);
		}
	}

	/**
	 * Ask Redis every {@link #HEARTBEAT} whether it answers.
	 */
	void startHeartbeat() {
		this.heartbeat = Flux.interval(HEARTBEAT, HEARTBEAT, this.redis.worker()).subscribe((tick) -> check());
	}

	/**
	 * Stop asking.
	 */
	void stop() {
		this.stopped = true;
		Disposable heartbeat = this.heartbeat;
		if (heartbeat != null) {
			heartbeat.dispose();
		}
	}

	/**
	 * Connect if no connection was made yet, else ask Redis whether it answers.
	 */
	void check() {
		if (this.stopped) {
			this.checked.run();
			return;
		}
		if (!this.connected) {
			connect();
			return;
		}
		if (!this.probing.compareAndSet(false, true)) {
			this.checked.run();
			return;
		}
		this.redis.template()
			.execute(ReactiveRedisConnection::ping)
			.next()
			.timeout(this.settings.timeout())
			.doFinally((signal) -> this.probing.set(false))
			.subscribe((pong) -> answered(), (ex) -> {
				lost(ex);
				this.checked.run();
			});
	}

	/**
	 * Make the first connection, which blocks this worker thread for as long as Spring
	 * Data Redis takes to connect (bounded by {@code spring.data.redis.connect-timeout}).
	 */
	private void connect() {
		if (!this.connecting.compareAndSet(false, true)) {
			this.checked.run();
			return;
		}
		try {
			ReactiveRedisConnection connection = this.redis.connectionFactory().getReactiveConnection();
			connection.closeLater().subscribe(null, (ex) -> {
			});
			this.connected = true;
		}
		catch (RuntimeException ex) {
			lost(ex);
			this.checked.run();
			return;
		}
		finally {
			this.connecting.set(false);
		}
		check();
	}

	private void answered() {
		Status previous = this.status;
		if (previous != Status.UP) {
			this.status = Status.UP;
			this.since = this.redis.clock().instant();
			this.reason = null;
			if (previous == Status.STARTING) {
				logger.info("Sharing cooldowns and declared limits through Redis under the prefix '"
						+ this.settings.keyPrefix() + "'");
			}
			else {
				logger.info("Redis answers again: cooldowns and declared limits are shared again ("
						+ this.pendingCooldowns.getAsInt() + " cooldowns learned meanwhile to publish)");
			}
			for (Runnable listener : this.availableListeners) {
				this.redis.worker().schedule(listener);
			}
		}
		this.answered.run();
	}

	/**
	 * Take note that Redis failed to answer: this instance goes on alone until Redis
	 * answers again.
	 * @param failure what happened
	 */
	void lost(Throwable failure) {
		Status previous = this.status;
		this.reason = describe(failure);
		if (previous != Status.DOWN) {
			this.status = Status.DOWN;
			this.since = this.redis.clock().instant();
			logger.warn("Redis does not answer (" + this.reason + "): llm-resilience goes on with this instance's "
					+ "own cooldowns and declared limits until it does");
		}
	}

	private String describe(Throwable failure) {
		if (failure instanceof TimeoutException) {
			return "no answer within " + this.settings.timeout().toMillis() + "ms";
		}
		String message = failure.getMessage();
		return failure.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

	/**
	 * Whether Redis answers.
	 */
	private enum Status {

		STARTING, UP, DOWN

	}

}
