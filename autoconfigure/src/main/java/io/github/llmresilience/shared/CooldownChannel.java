package io.github.llmresilience.shared;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;
import org.springframework.data.redis.serializer.RedisSerializer;

import io.github.llmresilience.observation.CooldownDirection;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.policy.Target;

/**
 * The cooldowns that travel between the instances: each one this instance learns waits
 * until Redis answers, then is written to a key that expires when it ends and announced
 * on a channel ({@link #drain()}), unless the key holds one that ends later (cooldowns
 * only lengthen: the later end wins, not the last write); what the channel brings from
 * the other instances is applied at once, and the live keys are read whenever the
 * subscription is made ({@link #subscribe()}, {@link #load()}), since messages sent while
 * it was down are lost. Failures are reported to {@link RedisAvailability}.
 */
final class CooldownChannel {

	private static final Log logger = LogFactory.getLog(RedisSharedState.class);

	/**
	 * A cooldown learned again (every answer of a used-up limit says so) is published
	 * again only if it ends this much later than the one published, while that one lasts.
	 */
	private static final Duration REPUBLISH_AFTER = Duration.ofSeconds(1);

	/**
	 * Writes a cooldown and announces it, unless the fleet already knows one of the same
	 * target and cause that ends later: the later end wins, not the last write. Both ends
	 * are compared on Redis's own clock (the time each key has left), so instances whose
	 * clocks differ agree. KEYS[1]: the cooldown's key; ARGV: its message, its time to
	 * live in milliseconds, the channel. Returns 1 when written and announced, else 0.
	 */
	private static final RedisScript<Long> LONGER_COOLDOWN = RedisScript.of("""
			local left = redis.call('PTTL', KEYS[1])
			if left >= tonumber(ARGV[2]) then
			  return 0
			end
			redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
			redis.call('PUBLISH', ARGV[3], ARGV[1])
			return 1
			""", Long.class);

	private static final SerializationPair<String> STRINGS = SerializationPair.fromSerializer(RedisSerializer.string());

	private final RedisResources redis;

	private final SharedStateSettings settings;

	private final LlmMetrics metrics;

	private final RedisAvailability availability;

	private final Runnable loaded;

	private final String origin = UUID.randomUUID().toString();

	private final Map<Key, Cooldown> pending = new ConcurrentHashMap<>();

	private final Map<Key, Instant> published = new ConcurrentHashMap<>();

	private final AtomicBoolean draining = new AtomicBoolean();

	private final AtomicBoolean subscribing = new AtomicBoolean();

	private volatile @Nullable ReactiveRedisMessageListenerContainer container;

	private volatile @Nullable Disposable subscription;

	private volatile @Nullable CooldownApplier applier;

	/**
	 * Create the channel.
	 * @param redis the connections, the clock (to tell a live cooldown from one that has
	 * ended) and the threads
	 * @param metrics where cooldowns published are counted
	 * @param availability where failures are reported, and whether Redis answers
	 * @param loaded what to do when the live cooldowns were read, or could not be
	 */
	CooldownChannel(RedisResources redis, LlmMetrics metrics, RedisAvailability availability, Runnable loaded) {
		this.redis = redis;
		this.settings = redis.settings();
		this.metrics = metrics;
		this.availability = availability;
		this.loaded = loaded;
	}

	/**
	 * Start applying what the other instances publish.
	 * @param applier what applies their cooldowns to this instance's state
	 */
	void applyWith(CooldownApplier applier) {
		this.applier = applier;
	}

	/**
	 * Note a cooldown to publish, and publish it now if Redis answers.
	 * @param cooldown the cooldown
	 */
	void learned(Cooldown cooldown) {
		Instant now = this.redis.clock().instant();
		if (!cooldown.until().isAfter(now)) {
			return;
		}
		Key key = new Key(cooldown.target(), cooldown.cause());
		if (publishedAlready(key, cooldown, now)) {
			return;
		}
		this.pending.merge(key, cooldown, CooldownChannel::later);
		if (this.availability.available()) {
			this.redis.worker().schedule(this::drain);
		}
	}

	/**
	 * Return how many cooldowns wait to be published.
	 * @return the number
	 */
	int pendingCount() {
		return this.pending.size();
	}

	/**
	 * Redis answered: subscribe if needed (off the connection's thread, since creating
	 * the subscription's container may connect), and publish what is pending.
	 */
	void answered() {
		this.redis.worker().schedule(this::subscribe);
		drain();
	}

	/**
	 * Redis answers again after it did not: what it held may be gone (a restart without
	 * persistence), so every cooldown this instance published that is still live is
	 * written and announced again, with the ones learned meanwhile. An instance that
	 * hears one twice applies it once.
	 */
	void republish() {
		Instant now = this.redis.clock().instant();
		this.published.forEach((key, until) -> {
			if (until.isAfter(now)) {
				this.pending.merge(key, new Cooldown(key.target(), until, key.cause()), CooldownChannel::later);
			}
		});
		this.published.clear();
		drain();
	}

	/**
	 * Stop listening.
	 */
	void stop() {
		Disposable subscription = this.subscription;
		if (subscription != null) {
			subscription.dispose();
		}
		ReactiveRedisMessageListenerContainer container = this.container;
		if (container != null) {
			container.destroyLater().timeout(Duration.ofSeconds(1)).onErrorResume((ex) -> Mono.empty()).subscribe();
		}
	}

	/**
	 * Subscribe to the channel, unless subscribed; every time the subscription is made
	 * (now, or by Lettuce after a reconnection) the live cooldowns are read.
	 */
	private void subscribe() {
		if (this.subscription != null || !this.subscribing.compareAndSet(false, true)) {
			this.loaded.run();
			return;
		}
		try {
			ReactiveRedisMessageListenerContainer container = this.container;
			if (container == null) {
				container = new ReactiveRedisMessageListenerContainer(this.redis.connectionFactory());
				this.container = container;
			}
			SubscriptionListener listener = new SubscriptionListener() {
				@Override
				public void onChannelSubscribed(byte[] channel, long count) {
					CooldownChannel.this.redis.worker().schedule(CooldownChannel.this::load);
				}
			};
			this.subscription = container
				.receive(List.of(ChannelTopic.of(this.settings.channel())), STRINGS, STRINGS, listener)
				.subscribe((message) -> received(message.getMessage()), (ex) -> {
					this.subscription = null;
					this.availability.lost(ex);
				}, () -> this.subscription = null);
		}
		catch (RuntimeException ex) {
			this.subscription = null;
			this.availability.lost(ex);
			this.loaded.run();
		}
		finally {
			this.subscribing.set(false);
		}
	}

	/**
	 * Read every live cooldown key and apply what this instance does not know yet.
	 */
	private void load() {
		ScanOptions scan = ScanOptions.scanOptions().match(this.settings.cooldownPattern()).count(1000).build();
		this.redis.template()
			.scan(scan)
			.collectList()
			.timeout(this.settings.timeout())
			.flatMap((keys) -> keys.isEmpty() ? Mono.just(List.<String>of())
					: this.redis.template().opsForValue().multiGet(keys).timeout(this.settings.timeout()))
			.doFinally((signal) -> this.loaded.run())
			.subscribe((values) -> values.forEach(this::received), this.availability::lost);
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
		if (!this.availability.available() || this.pending.isEmpty() || !this.draining.compareAndSet(false, true)) {
			return;
		}
		Flux.fromIterable(List.copyOf(this.pending.keySet())).concatMap((key) -> {
			Cooldown cooldown = this.pending.remove(key);
			Instant now = this.redis.clock().instant();
			// Calls in flight together learn the same cooldown at once: the first one
			// published is enough.
			if (cooldown == null || !cooldown.until().isAfter(now) || publishedAlready(key, cooldown, now)) {
				return Mono.empty();
			}
			return publish(key, cooldown).onErrorResume((ex) -> {
				this.pending.merge(key, cooldown, CooldownChannel::later);
				return Mono.error(ex);
			});
		}).doFinally((signal) -> {
			this.draining.set(false);
			if (this.availability.available() && !this.pending.isEmpty()) {
				this.redis.worker().schedule(this::drain);
			}
		}).subscribe(null, this.availability::lost);
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
		Duration ttl = Duration.between(this.redis.clock().instant(), cooldown.until());
		if (ttl.toMillis() < 1) {
			return Mono.empty();
		}
		return this.redis.template()
			.execute(LONGER_COOLDOWN, List.of(this.settings.cooldownKey(cooldown)),
					List.of(json, Long.toString(ttl.toMillis()), this.settings.channel()))
			.next()
			.timeout(this.settings.timeout())
			.doOnSuccess((written) -> {
				this.published.merge(key, cooldown.until(), (current, next) -> next.isAfter(current) ? next : current);
				if (written != null && written == 1) {
					this.metrics.sharedCooldown(cooldown.target(), cooldown.cause().value(),
							CooldownDirection.PUBLISHED);
				}
				else if (logger.isDebugEnabled()) {
					logger.debug("Did not share the cooldown of " + cooldown.target() + " until " + cooldown.until()
							+ ": the fleet knows of a longer one");
				}
			})
			.then();
	}

	private static Cooldown later(Cooldown current, Cooldown next) {
		return next.until().isAfter(current.until()) ? next : current;
	}

	private record Key(Target target, Cooldown.Cause cause) {

	}

}
