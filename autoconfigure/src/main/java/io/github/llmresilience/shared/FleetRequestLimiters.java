package io.github.llmresilience.shared;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmresilience.pacing.ClockTimeMeter;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.RequestLimiter;
import io.github.llmresilience.pacing.RequestLimiters;
import io.github.llmresilience.pacing.TokenLimiter;

/**
 * Declared request limits ({@code llm.providers.<name>.rate-limit.requests-per-minute})
 * held by the whole fleet: one bucket4j token bucket per provider in Redis, through
 * bucket4j's Lettuce integration (compare-and-swap scripts, asynchronous, so no thread
 * waits for Redis). The bucket has the shape of the local limit: the minute is cut into
 * the fewest equal periods that divide the limit, each refilling its share, so 60 per
 * minute lets one request through per second.
 *
 * <p>
 * Taking a permit is one Redis round trip (concurrent requests share one, bucket4j
 * batches them), bounded by {@code llm.shared-state.timeout}. While Redis does not
 * answer, or has not answered yet, each instance falls back to its own local limiter of
 * the same limit: the account is then protected per instance, as without shared state,
 * rather than not at all, and the provider's own 429s and rate-limit headers still pace
 * the fleet.
 */
public final class FleetRequestLimiters implements RequestLimiters {

	private static final Log logger = LogFactory.getLog(FleetRequestLimiters.class);

	private final RedisSharedState state;

	private final RequestLimiters local;

	private final Clock clock;

	private volatile @Nullable AsyncProxyManager<byte[]> buckets;

	private volatile @Nullable RedisConnection connection;

	/**
	 * Create the fleet-wide limiters.
	 * @param state the shared state, which says whether Redis answers and gives its
	 * connections
	 * @param clock the engine's clock, which times the buckets' periods
	 */
	public FleetRequestLimiters(RedisSharedState state, Clock clock) {
		this.state = state;
		this.local = RequestLimiters.local(clock);
		this.clock = clock;
		if (state.connectionFactory() instanceof LettuceConnectionFactory lettuce) {
			state.whenAvailable(() -> connect(lettuce));
		}
		else {
			logger.warn("llm.shared-state.type=redis holds declared request limits for the fleet only with Lettuce "
					+ "(spring-boot-starter-data-redis-reactive's client); with "
					+ state.connectionFactory().getClass().getName() + " they hold per instance");
		}
	}

	@Override
	public @Nullable RequestLimiter create(ProviderPacing provider) {
		RequestLimiter local = this.local.create(provider);
		if (local == null) {
			return null;
		}
		return new FleetRequestLimiter(provider.provider(), provider.requestsPerMinute(), local);
	}

	@Override
	public @Nullable TokenLimiter createTokenLimiter(ProviderPacing provider) {
		TokenLimiter local = this.local.createTokenLimiter(provider);
		if (local == null) {
			return null;
		}
		return new FleetTokenLimiter(provider.provider(), provider.tokensPerMinute(), local);
	}

	/**
	 * Return whether the fleet's buckets can be reached: their connection to Redis is
	 * open.
	 * @return whether limits are held by the fleet while Redis answers
	 */
	public boolean isConnected() {
		return this.buckets != null;
	}

	/**
	 * Close the connection the buckets use.
	 */
	public void close() {
		RedisConnection connection = this.connection;
		if (connection != null) {
			connection.close();
		}
	}

	/**
	 * Open the connection of the buckets, on the shared state's threads: Spring Data
	 * Redis connects synchronously.
	 */
	private void connect(LettuceConnectionFactory factory) {
		if (this.buckets != null) {
			return;
		}
		try {
			RedisConnection connection = factory.getConnection();
			RedisClusterAsyncCommands<byte[], byte[]> commands = ((LettuceConnection) connection).getNativeConnection();
			this.buckets = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(new CommandsApi<>(commands))
				.clientClock(new ClockTimeMeter(this.clock))
				.expirationAfterWrite(
						ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
				.build()
				.asAsync();
			this.connection = connection;
		}
		catch (RuntimeException ex) {
			this.state.failed(ex);
		}
	}

	private static int gcd(int a, int b) {
		return (b == 0) ? a : gcd(b, a % b);
	}

	/**
	 * One provider's limit: the fleet's bucket while Redis answers, this instance's own
	 * otherwise.
	 */
	private final class FleetRequestLimiter implements RequestLimiter {

		private final RequestLimiter local;

		private final FleetBucket bucket;

		FleetRequestLimiter(String provider, int requestsPerMinute, RequestLimiter local) {
			this.local = local;
			int periods = gcd(requestsPerMinute, 60);
			long tokens = requestsPerMinute / periods;
			Duration period = Duration.ofMinutes(1).dividedBy(periods);
			this.bucket = new FleetBucket(
					FleetRequestLimiters.this.state.settings().limitKey(provider, requestsPerMinute),
					BucketConfiguration.builder()
						.addLimit((limit) -> limit.capacity(tokens).refillIntervally(tokens, period))
						.build());
		}

		@Override
		public Mono<Long> tryAcquire() {
			return this.bucket.tryTake(1, this.local::tryAcquire);
		}

	}

	/**
	 * One provider's declared token limit: the fleet's bucket while Redis answers, this
	 * instance's own otherwise. The fleet's bucket has the local one's shape (a minute's
	 * tokens, refilled smoothly). Settling a request (giving tokens back, taking more)
	 * goes to the bucket in use when it settles, without waiting for Redis; a settlement
	 * Redis does not take is lost, which only errs one way while it lasts: the fleet's
	 * bucket keeps an estimate that was too high, or misses a difference.
	 */
	private final class FleetTokenLimiter implements TokenLimiter {

		private final TokenLimiter local;

		private final FleetBucket bucket;

		private final long capacity;

		FleetTokenLimiter(String provider, long tokensPerMinute, TokenLimiter local) {
			this.local = local;
			this.bucket = new FleetBucket(
					FleetRequestLimiters.this.state.settings().tokenLimitKey(provider, tokensPerMinute),
					BucketConfiguration.builder()
						.addLimit((limit) -> limit.capacity(tokensPerMinute)
							.refillGreedy(tokensPerMinute, Duration.ofMinutes(1)))
						.build());
			this.capacity = tokensPerMinute;
		}

		@Override
		public long capacity() {
			return this.capacity;
		}

		@Override
		public Mono<Long> tryTake(long tokens) {
			return this.bucket.tryTake(tokens, () -> this.local.tryTake(tokens));
		}

		@Override
		public void giveBack(long tokens) {
			settle(tokens, this.local::giveBack, AsyncBucketProxy::addTokens);
		}

		@Override
		public void takeAnyway(long tokens) {
			settle(tokens, this.local::takeAnyway, AsyncBucketProxy::consumeIgnoringRateLimits);
		}

		@Override
		public long available() {
			// What this instance's own bucket holds: the fleet's is not read on a call's
			// path.
			return this.local.available();
		}

		private void settle(long tokens, LongConsumer locally,
				BiFunction<AsyncBucketProxy, Long, CompletableFuture<?>> onFleet) {
			AsyncBucketProxy bucket = this.bucket.usable();
			if (bucket == null) {
				locally.accept(tokens);
			}
			else if (tokens > 0) {
				Mono.fromFuture(onFleet.apply(bucket, tokens))
					.timeout(FleetRequestLimiters.this.state.settings().timeout())
					.subscribe(null, FleetRequestLimiters.this.state::failed);
			}
		}

	}

	/**
	 * The fleet's bucket of one limit, built on first use once the connection to Redis is
	 * open.
	 */
	private final class FleetBucket {

		private final byte[] key;

		private final BucketConfiguration configuration;

		private volatile @Nullable AsyncBucketProxy bucket;

		FleetBucket(String key, BucketConfiguration configuration) {
			this.key = key.getBytes(StandardCharsets.UTF_8);
			this.configuration = configuration;
		}

		/**
		 * Take tokens from the fleet's bucket, or from this instance's own while Redis
		 * does not answer: a request that fails or times out is reported to the shared
		 * state and asks this instance's bucket instead.
		 * @param tokens how many tokens
		 * @param locally what this instance's own bucket answers
		 * @return the nanoseconds to wait for the tokens, or 0 when they were taken
		 */
		Mono<Long> tryTake(long tokens, Supplier<Mono<Long>> locally) {
			AsyncBucketProxy bucket = usable();
			if (bucket == null) {
				return locally.get();
			}
			return Mono.fromFuture(() -> bucket.tryConsumeAndReturnRemaining(tokens))
				.timeout(FleetRequestLimiters.this.state.settings().timeout())
				.map(ClockTimeMeter::nanosToWait)
				.onErrorResume((ex) -> {
					FleetRequestLimiters.this.state.failed(ex);
					return locally.get();
				});
		}

		/**
		 * Return the fleet's bucket while Redis answers.
		 * @return the bucket, or {@code null} while this instance's own is used
		 */
		@Nullable AsyncBucketProxy usable() {
			if (!FleetRequestLimiters.this.state.available()) {
				return null;
			}
			return get();
		}

		private @Nullable AsyncBucketProxy get() {
			AsyncBucketProxy bucket = this.bucket;
			AsyncProxyManager<byte[]> buckets = FleetRequestLimiters.this.buckets;
			if (bucket == null && buckets != null) {
				bucket = buckets.builder()
					.withOptimization(Optimizations.batching())
					.build(this.key, () -> CompletableFuture.completedFuture(this.configuration));
				this.bucket = bucket;
			}
			return bucket;
		}

	}

	/**
	 * bucket4j's view of Lettuce's commands, on the connection Spring Data Redis opened,
	 * standalone or cluster alike. Generic in the key, as bucket4j's own: it passes its
	 * keys in an {@code Object[]}.
	 */
	private record CommandsApi<K>(RedisClusterAsyncCommands<K, byte[]> commands) implements RedisApi<K> {

		@Override
		public <V> RedisFuture<V> eval(String script, ScriptOutputType type, K[] keys, byte[][] params) {
			return this.commands.eval(script, type, keys, params);
		}

		@Override
		public RedisFuture<byte[]> get(K key) {
			return this.commands.get(key);
		}

		@Override
		public RedisFuture<?> delete(K key) {
			return this.commands.del(key);
		}

	}

}
