package io.github.llmresilience.shared;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;
import org.springframework.data.redis.serializer.RedisSerializer;

import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.observation.CooldownDirection;

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
 * state: a WARN when it goes, an INFO when it comes back, and the cooldowns learned
 * meanwhile are published then, if they have not ended. Redis is asked every second
 * whether it answers.
 */
public final class RedisSharedState implements SharedState, CooldownListener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisSharedState.class);

	/**
	 * How often Redis is asked whether it answers.
	 */
	static final Duration HEARTBEAT = Duration.ofSeconds(1);

	/**
	 * How long start-up waits for the live cooldowns, so that the first calls already
	 * skip the targets that cool down.
	 */
	static final Duration STARTUP_WAIT = Duration.ofSeconds(5);

	/**
	 * A cooldown learned again (every answer of a used-up limit says so) is published
	 * again only if it ends this much later than the one published, while that one lasts.
	 */
	private static final Duration REPUBLISH_AFTER = Duration.ofSeconds(1);

	private static final SerializationPair<String> STRINGS = SerializationPair.fromSerializer(RedisSerializer.string());

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final ReactiveStringRedisTemplate redis;

	private final SharedStateSettings settings;

	private final Clock clock;

	private final LlmMetrics metrics;

	private final Supplier<CooldownApplier> applierSupplier;

	private final String origin = UUID.randomUUID().toString();

	private final Map<Key, Cooldown> pending = new ConcurrentHashMap<>();

	private final Map<Key, Instant> published = new ConcurrentHashMap<>();

	private final AtomicBoolean connecting = new AtomicBoolean();

	private final AtomicBoolean probing = new AtomicBoolean();

	private final AtomicBoolean draining = new AtomicBoolean();

	private final AtomicBoolean subscribing = new AtomicBoolean();

	private final List<Runnable> availableListeners = new CopyOnWriteArrayList<>();

	private final Scheduler worker;

	private volatile Status status = Status.STARTING;

	private volatile @Nullable Instant since;

	private volatile @Nullable String reason;

	private volatile boolean connected;

	private volatile @Nullable ReactiveRedisMessageListenerContainer container;

	private volatile @Nullable Disposable subscription;

	private volatile @Nullable Disposable heartbeat;

	private volatile @Nullable CooldownApplier applier;

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
		this.redis = new ReactiveStringRedisTemplate(connectionFactory);
		this.settings = settings;
		this.clock = clock;
		this.metrics = metrics;
		this.applierSupplier = applier;
		// Creating the first connection blocks (Spring Data Redis connects
		// synchronously), so it
		// happens on these threads, never on a caller's.
		this.worker = Schedulers.newBoundedElastic(2, Integer.MAX_VALUE, "llm-shared-state", 60, true);
	}

	@Override
	public void learned(Cooldown cooldown) {
		Instant now = this.clock.instant();
		if (!cooldown.until().isAfter(now)) {
			return;
		}
		Key key = new Key(cooldown.target(), cooldown.cause());
		if (publishedAlready(key, cooldown, now)) {
			return;
		}
		this.pending.merge(key, cooldown, (current, next) -> next.until().isAfter(current.until()) ? next : current);
		if (this.status == Status.UP) {
			this.worker.schedule(this::drain);
		}
	}

	@Override
	public boolean available() {
		return this.status == Status.UP;
	}

	@Override
	public Map<String, Object> details() {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("type", "redis");
		details.put("status", (this.status == Status.UP) ? "UP" : "DOWN");
		Instant since = this.since;
		if (since != null) {
			details.put("since", since.toString());
		}
		String reason = this.reason;
		if (reason != null && this.status != Status.UP) {
			details.put("reason", reason);
		}
		details.put("keyPrefix", this.settings.keyPrefix());
		details.put("pendingCooldowns", this.pending.size());
		return details;
	}

	/**
	 * Run a task on this class's threads every time Redis answers again, and at once if
	 * it answers now: the fleet-wide limiters open their own connection then, until they
	 * have one.
	 * @param listener the task
	 */
	public void whenAvailable(Runnable listener) {
		this.availableListeners.add(listener);
		if (this.status == Status.UP) {
			this.worker.schedule(listener);
		}
	}

	/**
	 * Take note that Redis failed to answer an operation made elsewhere (a fleet-wide
	 * limiter's): this instance goes on alone until Redis answers again.
	 * @param failure what happened
	 */
	public void failed(Throwable failure) {
		lost(failure);
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
		this.applier = this.applierSupplier.get();
		this.running = true;
		// The live cooldowns are read before the application takes its first call, unless
		// Redis
		// takes too long: then the instance starts alone and catches up when Redis
		// answers.
		Sinks.Empty<Void> ready = Sinks.empty();
		this.worker.schedule(() -> check(ready));
		try {
			ready.asMono().timeout(STARTUP_WAIT).onErrorResume((ex) -> Mono.empty()).block();
		}
		finally {
			this.heartbeat = Flux.interval(HEARTBEAT, HEARTBEAT, this.worker).subscribe((tick) -> check(null));
		}
	}

	@Override
	public void stop() {
		this.running = false;
		dispose(this.heartbeat);
		dispose(this.subscription);
		ReactiveRedisMessageListenerContainer container = this.container;
		if (container != null) {
			container.destroyLater().timeout(Duration.ofSeconds(1)).onErrorResume((ex) -> Mono.empty()).subscribe();
		}
		this.worker.dispose();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Connect if no connection was made yet, else ask Redis whether it answers; when it
	 * does, subscribe to the channel if needed and publish what is pending.
	 */
	private void check(Sinks.@Nullable Empty<Void> ready) {
		if (!this.running) {
			complete(ready);
			return;
		}
		if (!this.connected) {
			connect(ready);
			return;
		}
		if (!this.probing.compareAndSet(false, true)) {
			complete(ready);
			return;
		}
		this.redis.execute(ReactiveRedisConnection::ping)
			.next()
			.timeout(this.settings.timeout())
			.doFinally((signal) -> this.probing.set(false))
			.subscribe((pong) -> answered(ready), (ex) -> {
				lost(ex);
				complete(ready);
			});
	}

	/**
	 * Make the first connection, which blocks this worker thread for as long as Spring
	 * Data Redis takes to connect (bounded by {@code spring.data.redis.connect-timeout}).
	 */
	private void connect(Sinks.@Nullable Empty<Void> ready) {
		if (!this.connecting.compareAndSet(false, true)) {
			complete(ready);
			return;
		}
		try {
			ReactiveRedisConnection connection = this.connectionFactory.getReactiveConnection();
			connection.closeLater().subscribe(null, (ex) -> {
			});
			this.connected = true;
		}
		catch (RuntimeException ex) {
			lost(ex);
			complete(ready);
			return;
		}
		finally {
			this.connecting.set(false);
		}
		check(ready);
	}

	private void answered(Sinks.@Nullable Empty<Void> ready) {
		Status previous = this.status;
		if (previous != Status.UP) {
			this.status = Status.UP;
			this.since = this.clock.instant();
			this.reason = null;
			if (previous == Status.STARTING) {
				logger.info("Sharing cooldowns and declared limits through Redis under the prefix '"
						+ this.settings.keyPrefix() + "'");
			}
			else {
				logger.info("Redis answers again: cooldowns and declared limits are shared again ("
						+ this.pending.size() + " cooldowns learned meanwhile to publish)");
			}
			for (Runnable listener : this.availableListeners) {
				this.worker.schedule(listener);
			}
		}
		// Off the connection's thread: creating the subscription's container may connect.
		this.worker.schedule(() -> subscribe(ready));
		drain();
	}

	private void lost(Throwable failure) {
		Status previous = this.status;
		this.reason = describe(failure);
		if (previous != Status.DOWN) {
			this.status = Status.DOWN;
			this.since = this.clock.instant();
			logger.warn("Redis does not answer (" + this.reason + "): llm-resilience goes on with this instance's "
					+ "own cooldowns and declared limits until it does");
		}
	}

	/**
	 * Subscribe to the channel, unless subscribed; every time the subscription is made
	 * (now, or by Lettuce after a reconnection) the live cooldowns are read, since
	 * messages sent while it was down are lost.
	 */
	private void subscribe(Sinks.@Nullable Empty<Void> ready) {
		if (this.subscription != null || !this.subscribing.compareAndSet(false, true)) {
			complete(ready);
			return;
		}
		try {
			ReactiveRedisMessageListenerContainer container = this.container;
			if (container == null) {
				container = new ReactiveRedisMessageListenerContainer(this.connectionFactory);
				this.container = container;
			}
			SubscriptionListener listener = new SubscriptionListener() {
				@Override
				public void onChannelSubscribed(byte[] channel, long count) {
					worker.schedule(() -> load(ready));
				}
			};
			this.subscription = container
				.receive(List.of(ChannelTopic.of(this.settings.channel())), STRINGS, STRINGS, listener)
				.subscribe((message) -> received(message.getMessage()), (ex) -> {
					this.subscription = null;
					lost(ex);
				}, () -> this.subscription = null);
		}
		catch (RuntimeException ex) {
			this.subscription = null;
			lost(ex);
			complete(ready);
		}
		finally {
			this.subscribing.set(false);
		}
	}

	/**
	 * Read every live cooldown key and apply what this instance does not know yet.
	 */
	private void load(Sinks.@Nullable Empty<Void> ready) {
		ScanOptions scan = ScanOptions.scanOptions().match(this.settings.cooldownPattern()).count(1000).build();
		this.redis.scan(scan)
			.collectList()
			.timeout(this.settings.timeout())
			.flatMap((keys) -> keys.isEmpty() ? Mono.just(List.<String>of())
					: this.redis.opsForValue().multiGet(keys).timeout(this.settings.timeout()))
			.doFinally((signal) -> complete(ready))
			.subscribe((values) -> values.forEach(this::received), this::lost);
	}

	private void received(@Nullable String json) {
		CooldownMessage message = CooldownMessage.parse(json);
		CooldownApplier applier = this.applier;
		if (message == null || applier == null || this.origin.equals(message.origin())) {
			return;
		}
		if (applier.apply(message.cooldown()) && logger.isDebugEnabled()) {
			logger
				.debug("Applied the cooldown of " + message.cooldown().target() + " until " + message.cooldown().until()
						+ " (" + message.cooldown().cause().value() + ") that another instance learned");
		}
	}

	/**
	 * Publish the pending cooldowns that have not ended, one at a time; one that fails
	 * stays pending until Redis answers again.
	 */
	private void drain() {
		if (this.status != Status.UP || this.pending.isEmpty() || !this.draining.compareAndSet(false, true)) {
			return;
		}
		Flux.fromIterable(List.copyOf(this.pending.keySet())).concatMap((key) -> {
			Cooldown cooldown = this.pending.remove(key);
			Instant now = this.clock.instant();
			// Calls in flight together learn the same cooldown at once: the first one
			// published is enough.
			if (cooldown == null || !cooldown.until().isAfter(now) || publishedAlready(key, cooldown, now)) {
				return Mono.empty();
			}
			return publish(key, cooldown).onErrorResume((ex) -> {
				this.pending.merge(key, cooldown,
						(current, next) -> next.until().isAfter(current.until()) ? next : current);
				return Mono.error(ex);
			});
		}).doFinally((signal) -> {
			this.draining.set(false);
			if (this.status == Status.UP && !this.pending.isEmpty()) {
				this.worker.schedule(this::drain);
			}
		}).subscribe(null, this::lost);
	}

	/**
	 * Whether a cooldown of the same target and cause that is still live was published,
	 * and this one ends no more than {@link #REPUBLISH_AFTER} later.
	 */
	private boolean publishedAlready(Key key, Cooldown cooldown, Instant now) {
		Instant last = this.published.get(key);
		return last != null && last.isAfter(now) && !cooldown.until().isAfter(last.plus(REPUBLISH_AFTER));
	}

	private Mono<Void> publish(Key key, Cooldown cooldown) {
		String json = new CooldownMessage(cooldown, this.origin).toJson();
		Duration ttl = Duration.between(this.clock.instant(), cooldown.until());
		if (ttl.toMillis() < 1) {
			return Mono.empty();
		}
		return this.redis.opsForValue()
			.set(this.settings.cooldownKey(cooldown), json, ttl)
			.then(this.redis.convertAndSend(this.settings.channel(), json))
			.timeout(this.settings.timeout())
			.doOnSuccess((receivers) -> {
				this.published.merge(key, cooldown.until(), (current, next) -> next.isAfter(current) ? next : current);
				this.metrics.sharedCooldown(cooldown.target(), cooldown.cause().value(), CooldownDirection.PUBLISHED);
			})
			.then();
	}

	private String describe(Throwable failure) {
		if (failure instanceof TimeoutException) {
			return "no answer within " + this.settings.timeout().toMillis() + "ms";
		}
		String message = failure.getMessage();
		return failure.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

	private static void complete(Sinks.@Nullable Empty<Void> ready) {
		if (ready != null) {
			ready.tryEmitEmpty();
		}
	}

	private static void dispose(@Nullable Disposable disposable) {
		if (disposable != null) {
			disposable.dispose();
		}
	}

	/**
	 * Whether Redis answers.
	 */
	private enum Status {

		STARTING, UP, DOWN

	}

	private record Key(Target target, Cooldown.Cause cause) {

	}

}
