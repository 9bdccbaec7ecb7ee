package io.github.llmresilience.shared;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import io.github.llmresilience.execution.LlmShutdown;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.CooldownListener;

/**
 * Shares cooldowns with the other instances of the application through Redis: each
 * cooldown this instance learns is written to a key that expires when it ends and
 * announced on a channel; every instance applies what it hears at once, and reads the
 * live keys when it starts and whenever its subscription to the channel is made again
 * (after Redis came back).
 *
 * <p>
 * Nothing here is on a call's path: {@link #learned(Cooldown)} notes the cooldown and
 * returns, and the Redis work runs on this class's own threads. Redis that does not
 * answer within the timeout, or not at all, means this instance goes on with its own
 * state: a WARN when it goes, an INFO when it comes back, and then the cooldowns learned
 * meanwhile, and those published before (a Redis that restarted lost them), are published
 * again if they have not ended. Redis is asked every second whether it answers.
 * <p>
 * This class is the lifecycle: whether Redis answers is {@link RedisAvailability}'s, what
 * travels between the instances is {@link CooldownChannel}'s, and start-up waits on one
 * signal that either of them gives when its first round is over.
 */
public final class RedisSharedState implements SharedState, CooldownListener, SmartLifecycle {

	/**
	 * How long start-up waits for the live cooldowns, so that the first calls already
	 * skip the targets that cool down.
	 */
	static final Duration STARTUP_WAIT = Duration.ofSeconds(5);

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final SharedStateSettings settings;

	private final Supplier<CooldownApplier> applier;

	private final Scheduler worker;

	private final RedisAvailability availability;

	private final CooldownChannel channel;

	/**
	 * Given once the first check of Redis is over at start-up: the live cooldowns were
	 * read, or Redis did not answer.
	 */
	private final Sinks.Empty<Void> started = Sinks.empty();

	private volatile boolean running;

	/**
	 * Create the shared state.
	 * @param connectionFactory the application's Redis connections
	 * @param settings the settings
	 * @param clock the engine's clock, to tell a live cooldown from one that has ended
	 * @param metrics where cooldowns published and applied are counted
	 * @param applier what applies received cooldowns to this instance's state, asked for
	 * when the application starts
	 */
	public RedisSharedState(ReactiveRedisConnectionFactory connectionFactory, SharedStateSettings settings, Clock clock,
			LlmMetrics metrics, Supplier<CooldownApplier> applier) {
		this.connectionFactory = connectionFactory;
		this.settings = settings;
		this.applier = applier;
		// Creating the first connection blocks (Spring Data Redis connects
		// synchronously), so it happens on these threads, never on a caller's.
		this.worker = Schedulers.newBoundedElastic(2, Integer.MAX_VALUE, "llm-shared-state", 60, true);
		RedisResources redis = new RedisResources(connectionFactory, new ReactiveStringRedisTemplate(connectionFactory),
				settings, clock, this.worker);
		this.availability = new RedisAvailability(redis, this::answered, this::pendingCooldowns, this::started);
		this.channel = new CooldownChannel(redis, metrics, this.availability, this::started);
		this.availability.whenAvailable(this.channel::republish);
	}

	@Override
	public void learned(Cooldown cooldown) {
		this.channel.learned(cooldown);
	}

	@Override
	public boolean available() {
		return this.availability.available();
	}

	@Override
	public Map<String, Object> details() {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("type", "redis");
		this.availability.describeTo(details);
		details.put("keyPrefix", this.settings.keyPrefix());
		details.put("pendingCooldowns", this.channel.pendingCount());
		return details;
	}

	/**
	 * Run a task on this class's threads every time Redis answers again, and at once if
	 * it answers now: the fleet-wide limiters open their own connection then, until they
	 * have one.
	 * @param listener the task
	 */
	public void whenAvailable(Runnable listener) {
		this.availability.whenAvailable(listener);
	}

	/**
	 * Take note that Redis failed to answer an operation made elsewhere (a fleet-wide
	 * limiter's): this instance goes on alone until Redis answers again.
	 * @param failure what happened
	 */
	public void failed(Throwable failure) {
		this.availability.lost(failure);
	}

	/**
	 * Return the settings.
	 * @return the settings
	 */
	public SharedStateSettings settings() {
		return this.settings;
	}

	/**
	 * Return the application's Redis connections.
	 * @return the connection factory
	 */
	public ReactiveRedisConnectionFactory connectionFactory() {
		return this.connectionFactory;
	}

	@Override
	public void start() {
		this.channel.applyWith(this.applier.get());
		this.running = true;
		// The live cooldowns are read before the application takes its first call, unless
		// Redis takes too long: then the instance starts alone and catches up when Redis
		// answers.
		this.worker.schedule(this.availability::check);
		try {
			this.started.asMono().timeout(STARTUP_WAIT).onErrorResume((ex) -> Mono.empty()).block();
		}
		finally {
			this.availability.startHeartbeat();
		}
	}

	@Override
	public void stop() {
		this.running = false;
		this.availability.stop();
		this.channel.stop();
		this.worker.dispose();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Stop right after the calls in flight were ended ({@link LlmShutdown#PHASE}), so
	 * that the cooldowns they learned while the web server shut down gracefully are still
	 * shared.
	 */
	@Override
	public int getPhase() {
		return LlmShutdown.PHASE - 1;
	}

	private void answered() {
		this.channel.answered();
	}

	private int pendingCooldowns() {
		return this.channel.pendingCount();
	}

	private void started() {
		this.started.tryEmitEmpty();
	}

}
