package io.github.llmresilience.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.PoolStrategy;
import io.github.llmresilience.policy.WhenAllUnavailable;

/**
 * Configuration of llm-resilience: the providers to call, the defaults of every policy,
 * and the policies that {@code LlmClient} calls and {@code @LlmCall} methods run under.
 */
@ConfigurationProperties("llm")
public class LlmProperties {

	/**
	 * Whether to enable llm-resilience.
	 */
	private boolean enabled = true;

	/**
	 * OpenAI-compatible endpoints, by name (lowercase letters, digits and '-').
	 */
	private Map<String, Provider> providers = new LinkedHashMap<>();

	/**
	 * Settings every policy starts from; a policy overrides them field by field.
	 */
	@NestedConfigurationProperty
	private Defaults defaults = new Defaults();

	/**
	 * Policies by name (lowercase letters, digits and '-'); 'default' serves calls that
	 * name no policy.
	 */
	private Map<String, Policy> policies = new LinkedHashMap<>();

	/**
	 * '@LlmCall' settings.
	 */
	@NestedConfigurationProperty
	private Call call = new Call();

	/**
	 * Health contributor settings.
	 */
	@NestedConfigurationProperty
	private Health health = new Health();

	/**
	 * State shared by the instances of the application: cooldowns and declared request
	 * limits.
	 */
	@NestedConfigurationProperty
	private SharedState sharedState = new SharedState();

	/**
	 * Whether to enable llm-resilience.
	 * @return whether enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Whether to enable llm-resilience.
	 * @param enabled whether enabled
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * OpenAI-compatible endpoints, by name (lowercase letters, digits and '-').
	 * @return the providers
	 */
	public Map<String, Provider> getProviders() {
		return this.providers;
	}

	/**
	 * OpenAI-compatible endpoints, by name (lowercase letters, digits and '-').
	 * @param providers the providers
	 */
	public void setProviders(Map<String, Provider> providers) {
		this.providers = providers;
	}

	/**
	 * Settings every policy starts from; a policy overrides them field by field.
	 * @return the defaults
	 */
	public Defaults getDefaults() {
		return this.defaults;
	}

	/**
	 * Settings every policy starts from; a policy overrides them field by field.
	 * @param defaults the defaults
	 */
	public void setDefaults(Defaults defaults) {
		this.defaults = defaults;
	}

	/**
	 * Policies by name (lowercase letters, digits and '-'); 'default' serves calls that
	 * name no policy.
	 * @return the policies
	 */
	public Map<String, Policy> getPolicies() {
		return this.policies;
	}

	/**
	 * Policies by name (lowercase letters, digits and '-'); 'default' serves calls that
	 * name no policy.
	 * @param policies the policies
	 */
	public void setPolicies(Map<String, Policy> policies) {
		this.policies = policies;
	}

	/**
	 * '@LlmCall' settings.
	 * @return the call
	 */
	public Call getCall() {
		return this.call;
	}

	/**
	 * '@LlmCall' settings.
	 * @param call the call
	 */
	public void setCall(Call call) {
		this.call = call;
	}

	/**
	 * Health contributor settings.
	 * @return the health
	 */
	public Health getHealth() {
		return this.health;
	}

	/**
	 * Health contributor settings.
	 * @param health the health
	 */
	public void setHealth(Health health) {
		this.health = health;
	}

	/**
	 * State shared by the instances of the application: cooldowns and declared request
	 * limits.
	 * @return the shared state
	 */
	public SharedState getSharedState() {
		return this.sharedState;
	}

	/**
	 * State shared by the instances of the application: cooldowns and declared request
	 * limits.
	 * @param sharedState the shared state
	 */
	public void setSharedState(SharedState sharedState) {
		this.sharedState = sharedState;
	}

	/**
	 * An OpenAI-compatible endpoint.
	 */
	public static class Provider {

		/**
		 * Base URL of the API, such as https://api.openai.com/v1; '/chat/completions' is
		 * appended.
		 */
		private @Nullable String baseUrl;

		/**
		 * API key; when empty no authentication header is sent.
		 */
		private @Nullable String apiKey;

		/**
		 * Header that carries the API key: 'Authorization' sends 'Bearer <key>', any
		 * other header (such as Azure's 'api-key') the bare key.
		 */
		private String authHeader = "Authorization";

		/**
		 * Query parameters added to every request, such as Azure OpenAI's 'api-version'.
		 */
		private Map<String, String> queryParams = new LinkedHashMap<>();

		/**
		 * Extra headers sent with every request; they may not set the authentication
		 * header.
		 */
		private Map<String, String> headers = new LinkedHashMap<>();

		/**
		 * Longest wait for a TCP connection to be established.
		 */
		private Duration connectTimeout = Duration.ofSeconds(5);

		/**
		 * Longest a non-streaming attempt may take, from the request being sent to the
		 * whole answer being read.
		 */
		private Duration readTimeout = Duration.ofSeconds(60);

		/**
		 * Longest a streaming attempt may take from the request being sent to its first
		 * chunk.
		 */
		private Duration firstChunkTimeout = Duration.ofSeconds(30);

		/**
		 * Longest silence between two chunks of a stream.
		 */
		private Duration streamIdleTimeout = Duration.ofSeconds(30);

		/**
		 * Size of this provider's connection pool.
		 */
		private int maxConnections = 500;

		/**
		 * Longest a request waits for a pooled connection; the queue of waiting requests
		 * is unbounded.
		 */
		private Duration pendingAcquireTimeout = Duration.ofSeconds(45);

		/**
		 * Share of 'max-connections' that batch requests may hold in flight at once (at
		 * least one connection), from 0 (excluded) to 1; the others wait in a queue for
		 * at most 'pending-acquire-timeout'.
		 */
		private double batchShare = 0.5;

		/**
		 * Largest answer accepted from this provider: a whole non-streaming body, or one
		 * event of a stream; independent of 'spring.codec.max-in-memory-size'.
		 */
		private DataSize maxResponseSize = DataSize.ofMegabytes(16);

		/**
		 * Circuit breaker settings for this provider's targets, overriding
		 * 'llm.defaults.circuit-breaker' field by field.
		 */
		@NestedConfigurationProperty
		private CircuitBreaker circuitBreaker = new CircuitBreaker();

		/**
		 * Whether to read the x-ratelimit-* (and anthropic-ratelimit-*) headers of every
		 * answer and pace requests to a target whose limit they say is used up.
		 */
		private boolean rateLimitHeaders = true;

		/**
		 * Request limit of this provider's account, declared by the application.
		 */
		@NestedConfigurationProperty
		private RateLimit rateLimit = new RateLimit();

		/**
		 * Retry budget of this provider, overriding 'llm.defaults.retry-budget' field by
		 * field.
		 */
		@NestedConfigurationProperty
		private RetryBudget retryBudget = new RetryBudget();

		/**
		 * Most inputs one embeddings request to this provider may carry; a call with more
		 * is split into batches.
		 */
		private int maxInputsPerRequest = 2048;

		/**
		 * Most estimated tokens (characters / 4, rounded up) one embeddings request to
		 * this provider may carry; a call with more is split into batches.
		 */
		private long maxTokensPerRequest = 300_000;

		/**
		 * Most inputs one embeddings request to this provider may carry; a call with more
		 * is split into batches.
		 * @return the max inputs per request
		 */
		public int getMaxInputsPerRequest() {
			return this.maxInputsPerRequest;
		}

		/**
		 * Most inputs one embeddings request to this provider may carry; a call with more
		 * is split into batches.
		 * @param maxInputsPerRequest the max inputs per request
		 */
		public void setMaxInputsPerRequest(int maxInputsPerRequest) {
			this.maxInputsPerRequest = maxInputsPerRequest;
		}

		/**
		 * Most estimated tokens (characters / 4, rounded up) one embeddings request to
		 * this provider may carry; a call with more is split into batches.
		 * @return the max tokens per request
		 */
		public long getMaxTokensPerRequest() {
			return this.maxTokensPerRequest;
		}

		/**
		 * Most estimated tokens (characters / 4, rounded up) one embeddings request to
		 * this provider may carry; a call with more is split into batches.
		 * @param maxTokensPerRequest the max tokens per request
		 */
		public void setMaxTokensPerRequest(long maxTokensPerRequest) {
			this.maxTokensPerRequest = maxTokensPerRequest;
		}

		/**
		 * Base URL of the API, such as https://api.openai.com/v1; '/chat/completions' is
		 * appended.
		 * @return the base URL
		 */
		public @Nullable String getBaseUrl() {
			return this.baseUrl;
		}

		/**
		 * Base URL of the API, such as https://api.openai.com/v1; '/chat/completions' is
		 * appended.
		 * @param baseUrl the base URL
		 */
		public void setBaseUrl(@Nullable String baseUrl) {
			this.baseUrl = baseUrl;
		}

		/**
		 * API key; when empty no authentication header is sent.
		 * @return the API key
		 */
		public @Nullable String getApiKey() {
			return this.apiKey;
		}

		/**
		 * API key; when empty no authentication header is sent.
		 * @param apiKey the API key
		 */
		public void setApiKey(@Nullable String apiKey) {
			this.apiKey = apiKey;
		}

		/**
		 * Header that carries the API key: 'Authorization' sends 'Bearer &lt;key&gt;',
		 * any other header (such as Azure's 'api-key') the bare key.
		 * @return the auth header
		 */
		public String getAuthHeader() {
			return this.authHeader;
		}

		/**
		 * Header that carries the API key: 'Authorization' sends 'Bearer &lt;key&gt;',
		 * any other header (such as Azure's 'api-key') the bare key.
		 * @param authHeader the auth header
		 */
		public void setAuthHeader(String authHeader) {
			this.authHeader = authHeader;
		}

		/**
		 * Query parameters added to every request, such as Azure OpenAI's 'api-version'.
		 * @return the query params
		 */
		public Map<String, String> getQueryParams() {
			return this.queryParams;
		}

		/**
		 * Query parameters added to every request, such as Azure OpenAI's 'api-version'.
		 * @param queryParams the query params
		 */
		public void setQueryParams(Map<String, String> queryParams) {
			this.queryParams = queryParams;
		}

		/**
		 * Extra headers sent with every request; they may not set the authentication
		 * header.
		 * @return the headers
		 */
		public Map<String, String> getHeaders() {
			return this.headers;
		}

		/**
		 * Extra headers sent with every request; they may not set the authentication
		 * header.
		 * @param headers the headers
		 */
		public void setHeaders(Map<String, String> headers) {
			this.headers = headers;
		}

		/**
		 * Longest wait for a TCP connection to be established.
		 * @return the connect timeout
		 */
		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		/**
		 * Longest wait for a TCP connection to be established.
		 * @param connectTimeout the connect timeout
		 */
		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		/**
		 * Longest a non-streaming attempt may take, from the request being sent to the
		 * whole answer being read.
		 * @return the read timeout
		 */
		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		/**
		 * Longest a non-streaming attempt may take, from the request being sent to the
		 * whole answer being read.
		 * @param readTimeout the read timeout
		 */
		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

		/**
		 * Longest a streaming attempt may take from the request being sent to its first
		 * chunk.
		 * @return the first chunk timeout
		 */
		public Duration getFirstChunkTimeout() {
			return this.firstChunkTimeout;
		}

		/**
		 * Longest a streaming attempt may take from the request being sent to its first
		 * chunk.
		 * @param firstChunkTimeout the first chunk timeout
		 */
		public void setFirstChunkTimeout(Duration firstChunkTimeout) {
			this.firstChunkTimeout = firstChunkTimeout;
		}

		/**
		 * Longest silence between two chunks of a stream.
		 * @return the stream idle timeout
		 */
		public Duration getStreamIdleTimeout() {
			return this.streamIdleTimeout;
		}

		/**
		 * Longest silence between two chunks of a stream.
		 * @param streamIdleTimeout the stream idle timeout
		 */
		public void setStreamIdleTimeout(Duration streamIdleTimeout) {
			this.streamIdleTimeout = streamIdleTimeout;
		}

		/**
		 * Size of this provider's connection pool.
		 * @return the max connections
		 */
		public int getMaxConnections() {
			return this.maxConnections;
		}

		/**
		 * Size of this provider's connection pool.
		 * @param maxConnections the max connections
		 */
		public void setMaxConnections(int maxConnections) {
			this.maxConnections = maxConnections;
		}

		/**
		 * Longest a request waits for a pooled connection; the queue of waiting requests
		 * is unbounded.
		 * @return the pending acquire timeout
		 */
		public Duration getPendingAcquireTimeout() {
			return this.pendingAcquireTimeout;
		}

		/**
		 * Longest a request waits for a pooled connection; the queue of waiting requests
		 * is unbounded.
		 * @param pendingAcquireTimeout the pending acquire timeout
		 */
		public void setPendingAcquireTimeout(Duration pendingAcquireTimeout) {
			this.pendingAcquireTimeout = pendingAcquireTimeout;
		}

		/**
		 * Share of 'max-connections' that batch requests may hold in flight at once (at
		 * least one connection), from 0 (excluded) to 1; the others wait in a queue for
		 * at most 'pending-acquire-timeout'.
		 * @return the batch share
		 */
		public double getBatchShare() {
			return this.batchShare;
		}

		/**
		 * Share of 'max-connections' that batch requests may hold in flight at once (at
		 * least one connection), from 0 (excluded) to 1; the others wait in a queue for
		 * at most 'pending-acquire-timeout'.
		 * @param batchShare the batch share
		 */
		public void setBatchShare(double batchShare) {
			this.batchShare = batchShare;
		}

		/**
		 * Largest answer accepted from this provider: a whole non-streaming body, or one
		 * event of a stream; independent of 'spring.codec.max-in-memory-size'.
		 * @return the max response size
		 */
		public DataSize getMaxResponseSize() {
			return this.maxResponseSize;
		}

		/**
		 * Largest answer accepted from this provider: a whole non-streaming body, or one
		 * event of a stream; independent of 'spring.codec.max-in-memory-size'.
		 * @param maxResponseSize the max response size
		 */
		public void setMaxResponseSize(DataSize maxResponseSize) {
			this.maxResponseSize = maxResponseSize;
		}

		/**
		 * Circuit breaker settings for this provider's targets, overriding
		 * 'llm.defaults.circuit-breaker' field by field.
		 * @return the circuit breaker
		 */
		public CircuitBreaker getCircuitBreaker() {
			return this.circuitBreaker;
		}

		/**
		 * Circuit breaker settings for this provider's targets, overriding
		 * 'llm.defaults.circuit-breaker' field by field.
		 * @param circuitBreaker the circuit breaker
		 */
		public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
			this.circuitBreaker = circuitBreaker;
		}

		/**
		 * Whether to read the x-ratelimit-* (and anthropic-ratelimit-*) headers of every
		 * answer and pace requests to a target whose limit they say is used up.
		 * @return whether rate limit headers
		 */
		public boolean isRateLimitHeaders() {
			return this.rateLimitHeaders;
		}

		/**
		 * Whether to read the x-ratelimit-* (and anthropic-ratelimit-*) headers of every
		 * answer and pace requests to a target whose limit they say is used up.
		 * @param rateLimitHeaders whether rate limit headers
		 */
		public void setRateLimitHeaders(boolean rateLimitHeaders) {
			this.rateLimitHeaders = rateLimitHeaders;
		}

		/**
		 * Request limit of this provider's account, declared by the application.
		 * @return the rate limit
		 */
		public RateLimit getRateLimit() {
			return this.rateLimit;
		}

		/**
		 * Request limit of this provider's account, declared by the application.
		 * @param rateLimit the rate limit
		 */
		public void setRateLimit(RateLimit rateLimit) {
			this.rateLimit = rateLimit;
		}

		/**
		 * Retry budget of this provider, overriding 'llm.defaults.retry-budget' field by
		 * field.
		 * @return the retry budget
		 */
		public RetryBudget getRetryBudget() {
			return this.retryBudget;
		}

		/**
		 * Retry budget of this provider, overriding 'llm.defaults.retry-budget' field by
		 * field.
		 * @param retryBudget the retry budget
		 */
		public void setRetryBudget(RetryBudget retryBudget) {
			this.retryBudget = retryBudget;
		}

	}

	/**
	 * Settings every policy starts from.
	 */
	public static class Defaults {

		/**
		 * Retries on the same target.
		 */
		@NestedConfigurationProperty
		private Retry retry = Retry.defaults();

		/**
		 * Circuit breaker of every target (provider and model), shared by all policies.
		 */
		@NestedConfigurationProperty
		private CircuitBreaker circuitBreaker = CircuitBreaker.defaults();

		/**
		 * Retry budget of every provider: how many retries may be added to its first
		 * requests.
		 */
		@NestedConfigurationProperty
		private RetryBudget retryBudget = RetryBudget.defaults();

		/**
		 * Failure kinds after which the next target of a policy is tried.
		 */
		private Set<FailureKind> fallbackOn = FailureKind.defaultFallbackOn();

		/**
		 * Hedged requests of idempotent calls: a second request sent while an attempt is
		 * slow to answer.
		 */
		@NestedConfigurationProperty
		private Hedge hedge = Hedge.defaults();

		/**
		 * What a call does when every target of its policy is out (open circuits, waits a
		 * server named, rate limits used up for longer than the policy waits): 'fail' at
		 * once, 'wait' once until the first is expected back, or 'probe' one target whose
		 * circuit its failures opened.
		 */
		private WhenAllUnavailable whenAllUnavailable = WhenAllUnavailable.FAIL;

		/**
		 * What a call does when every target of its policy is out (open circuits, waits a
		 * server named, rate limits used up for longer than the policy waits): 'fail' at
		 * once, 'wait' once until the first is expected back, or 'probe' one target whose
		 * circuit its failures opened.
		 * @return what a call does
		 */
		public WhenAllUnavailable getWhenAllUnavailable() {
			return this.whenAllUnavailable;
		}

		/**
		 * What a call does when every target of its policy is out (open circuits, waits a
		 * server named, rate limits used up for longer than the policy waits): 'fail' at
		 * once, 'wait' once until the first is expected back, or 'probe' one target whose
		 * circuit its failures opened.
		 * @param whenAllUnavailable what a call does
		 */
		public void setWhenAllUnavailable(WhenAllUnavailable whenAllUnavailable) {
			this.whenAllUnavailable = whenAllUnavailable;
		}

		/**
		 * Retries on the same target.
		 * @return the retry
		 */
		public Retry getRetry() {
			return this.retry;
		}

		/**
		 * Retries on the same target.
		 * @param retry the retry
		 */
		public void setRetry(Retry retry) {
			this.retry = retry;
		}

		/**
		 * Circuit breaker of every target (provider and model), shared by all policies.
		 * @return the circuit breaker
		 */
		public CircuitBreaker getCircuitBreaker() {
			return this.circuitBreaker;
		}

		/**
		 * Circuit breaker of every target (provider and model), shared by all policies.
		 * @param circuitBreaker the circuit breaker
		 */
		public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
			this.circuitBreaker = circuitBreaker;
		}

		/**
		 * Retry budget of every provider: how many retries may be added to its first
		 * requests.
		 * @return the retry budget
		 */
		public RetryBudget getRetryBudget() {
			return this.retryBudget;
		}

		/**
		 * Retry budget of every provider: how many retries may be added to its first
		 * requests.
		 * @param retryBudget the retry budget
		 */
		public void setRetryBudget(RetryBudget retryBudget) {
			this.retryBudget = retryBudget;
		}

		/**
		 * Failure kinds after which the next target of a policy is tried.
		 * @return the fallback on
		 */
		public Set<FailureKind> getFallbackOn() {
			return this.fallbackOn;
		}

		/**
		 * Failure kinds after which the next target of a policy is tried.
		 * @param fallbackOn the fallback on
		 */
		public void setFallbackOn(Set<FailureKind> fallbackOn) {
			this.fallbackOn = fallbackOn;
		}

		/**
		 * Hedged requests of idempotent calls: a second request sent while an attempt is
		 * slow to answer.
		 * @return the hedge
		 */
		public Hedge getHedge() {
			return this.hedge;
		}

		/**
		 * Hedged requests of idempotent calls: a second request sent while an attempt is
		 * slow to answer.
		 * @param hedge the hedge
		 */
		public void setHedge(Hedge hedge) {
			this.hedge = hedge;
		}

	}

	/**
	 * Retries on the same target: 'llm.defaults.retry', and a policy's 'retry', whose
	 * unset fields take 'llm.defaults.retry'.
	 */
	public static class Retry {

		/**
		 * Attempts per target, the first one included.
		 */
		private @Nullable Integer maxAttempts;

		/**
		 * Longest time spent on one target, attempts and waits together; a retry that
		 * would end later is not made.
		 */
		private @Nullable Duration maxElapsed;

		/**
		 * Wait before the first retry; later waits grow by the multiplier.
		 */
		private @Nullable Duration initialBackoff;

		/**
		 * Factor by which each wait grows over the previous one (at least 1).
		 */
		private @Nullable Double multiplier;

		/**
		 * Longest computed wait between two attempts.
		 */
		private @Nullable Duration maxBackoff;

		/**
		 * Randomization factor of computed waits, from 0 (none) to 1 (0 to twice the
		 * wait).
		 */
		private @Nullable Double jitter;

		/**
		 * HTTP statuses that are retried; it switches retrying on or off and never
		 * changes a failure kind.
		 */
		private @Nullable Set<Integer> retryOnStatus;

		/**
		 * Whether to retry an attempt that timed out (only for idempotent calls).
		 */
		private @Nullable Boolean retryOnTimeout;

		/**
		 * Whether to retry an attempt whose connection was refused, reset or closed early
		 * (after the request was sent, only for idempotent calls).
		 */
		private @Nullable Boolean retryOnConnectionError;

		/**
		 * Whether a wait the server asks for (retry-after-ms or Retry-After) replaces the
		 * computed wait.
		 */
		private @Nullable Boolean respectRetryAfter;

		/**
		 * Longest server-requested wait that is honoured; a longer one gives the target
		 * up at once.
		 */
		private @Nullable Duration maxRetryAfter;

		/**
		 * Further exception classes that are retried, such as an output parser's.
		 */
		private @Nullable List<Class<? extends Throwable>> retryOnExceptions;

		/**
		 * Return the settings 'llm.defaults.retry' starts from.
		 * @return new settings with every field set
		 */
		static Retry defaults() {
			Retry defaults = new Retry();
			defaults.maxAttempts = 4;
			defaults.maxElapsed = Duration.ofSeconds(120);
			defaults.initialBackoff = Duration.ofSeconds(2);
			defaults.multiplier = 2.0;
			defaults.maxBackoff = Duration.ofSeconds(30);
			defaults.jitter = 0.5;
			defaults.retryOnStatus = new LinkedHashSet<>(List.of(408, 409, 429, 500, 502, 503, 504));
			defaults.retryOnTimeout = true;
			defaults.retryOnConnectionError = true;
			defaults.respectRetryAfter = true;
			defaults.maxRetryAfter = Duration.ofSeconds(60);
			defaults.retryOnExceptions = new ArrayList<>();
			return defaults;
		}

		/**
		 * Attempts per target, the first one included.
		 * @return the max attempts
		 */
		public @Nullable Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		/**
		 * Attempts per target, the first one included.
		 * @param maxAttempts the max attempts
		 */
		public void setMaxAttempts(@Nullable Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		/**
		 * Longest time spent on one target, attempts and waits together; a retry that
		 * would end later is not made.
		 * @return the max elapsed
		 */
		public @Nullable Duration getMaxElapsed() {
			return this.maxElapsed;
		}

		/**
		 * Longest time spent on one target, attempts and waits together; a retry that
		 * would end later is not made.
		 * @param maxElapsed the max elapsed
		 */
		public void setMaxElapsed(@Nullable Duration maxElapsed) {
			this.maxElapsed = maxElapsed;
		}

		/**
		 * Wait before the first retry; later waits grow by the multiplier.
		 * @return the initial backoff
		 */
		public @Nullable Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		/**
		 * Wait before the first retry; later waits grow by the multiplier.
		 * @param initialBackoff the initial backoff
		 */
		public void setInitialBackoff(@Nullable Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		/**
		 * Factor by which each wait grows over the previous one (at least 1).
		 * @return the multiplier
		 */
		public @Nullable Double getMultiplier() {
			return this.multiplier;
		}

		/**
		 * Factor by which each wait grows over the previous one (at least 1).
		 * @param multiplier the multiplier
		 */
		public void setMultiplier(@Nullable Double multiplier) {
			this.multiplier = multiplier;
		}

		/**
		 * Longest computed wait between two attempts.
		 * @return the max backoff
		 */
		public @Nullable Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		/**
		 * Longest computed wait between two attempts.
		 * @param maxBackoff the max backoff
		 */
		public void setMaxBackoff(@Nullable Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		/**
		 * Randomization factor of computed waits, from 0 (none) to 1 (0 to twice the
		 * wait).
		 * @return the jitter
		 */
		public @Nullable Double getJitter() {
			return this.jitter;
		}

		/**
		 * Randomization factor of computed waits, from 0 (none) to 1 (0 to twice the
		 * wait).
		 * @param jitter the jitter
		 */
		public void setJitter(@Nullable Double jitter) {
			this.jitter = jitter;
		}

		/**
		 * HTTP statuses that are retried; it switches retrying on or off and never
		 * changes a failure kind.
		 * @return the retry on status
		 */
		public @Nullable Set<Integer> getRetryOnStatus() {
			return this.retryOnStatus;
		}

		/**
		 * HTTP statuses that are retried; it switches retrying on or off and never
		 * changes a failure kind.
		 * @param retryOnStatus the retry on status
		 */
		public void setRetryOnStatus(@Nullable Set<Integer> retryOnStatus) {
			this.retryOnStatus = retryOnStatus;
		}

		/**
		 * Whether to retry an attempt that timed out (only for idempotent calls).
		 * @return whether retry on timeout
		 */
		public @Nullable Boolean getRetryOnTimeout() {
			return this.retryOnTimeout;
		}

		/**
		 * Whether to retry an attempt that timed out (only for idempotent calls).
		 * @param retryOnTimeout whether retry on timeout
		 */
		public void setRetryOnTimeout(@Nullable Boolean retryOnTimeout) {
			this.retryOnTimeout = retryOnTimeout;
		}

		/**
		 * Whether to retry an attempt whose connection was refused, reset or closed early
		 * (after the request was sent, only for idempotent calls).
		 * @return whether retry on connection error
		 */
		public @Nullable Boolean getRetryOnConnectionError() {
			return this.retryOnConnectionError;
		}

		/**
		 * Whether to retry an attempt whose connection was refused, reset or closed early
		 * (after the request was sent, only for idempotent calls).
		 * @param retryOnConnectionError whether retry on connection error
		 */
		public void setRetryOnConnectionError(@Nullable Boolean retryOnConnectionError) {
			this.retryOnConnectionError = retryOnConnectionError;
		}

		/**
		 * Whether a wait the server asks for (retry-after-ms or Retry-After) replaces the
		 * computed wait.
		 * @return whether respect retry after
		 */
		public @Nullable Boolean getRespectRetryAfter() {
			return this.respectRetryAfter;
		}

		/**
		 * Whether a wait the server asks for (retry-after-ms or Retry-After) replaces the
		 * computed wait.
		 * @param respectRetryAfter whether respect retry after
		 */
		public void setRespectRetryAfter(@Nullable Boolean respectRetryAfter) {
			this.respectRetryAfter = respectRetryAfter;
		}

		/**
		 * Longest server-requested wait that is honoured; a longer one gives the target
		 * up at once.
		 * @return the max retry after
		 */
		public @Nullable Duration getMaxRetryAfter() {
			return this.maxRetryAfter;
		}

		/**
		 * Longest server-requested wait that is honoured; a longer one gives the target
		 * up at once.
		 * @param maxRetryAfter the max retry after
		 */
		public void setMaxRetryAfter(@Nullable Duration maxRetryAfter) {
			this.maxRetryAfter = maxRetryAfter;
		}

		/**
		 * Further exception classes that are retried, such as an output parser's.
		 * @return the retry on exceptions
		 */
		public @Nullable List<Class<? extends Throwable>> getRetryOnExceptions() {
			return this.retryOnExceptions;
		}

		/**
		 * Further exception classes that are retried, such as an output parser's.
		 * @param retryOnExceptions the retry on exceptions
		 */
		public void setRetryOnExceptions(@Nullable List<Class<? extends Throwable>> retryOnExceptions) {
			this.retryOnExceptions = retryOnExceptions;
		}

	}

	/**
	 * Hedged requests: 'llm.defaults.hedge', and a policy's 'hedge', whose unset fields
	 * take 'llm.defaults.hedge'. Only idempotent calls are hedged.
	 */
	public static class Hedge {

		/**
		 * Whether to send a hedge when an attempt of an idempotent call is slow to answer
		 * (the same tokens may be billed twice).
		 */
		private @Nullable Boolean enabled;

		/**
		 * How long an attempt may go without an answer (for a stream: without its first
		 * content chunk) before the hedge is sent.
		 */
		private @Nullable Duration delay;

		/**
		 * Where the hedge is sent: 'next', the policy's next target, or 'same', the
		 * target in flight again.
		 */
		private @Nullable HedgeTarget target;

		/**
		 * Return the settings 'llm.defaults.hedge' starts from.
		 * @return new settings with every field set
		 */
		static Hedge defaults() {
			Hedge defaults = new Hedge();
			defaults.enabled = false;
			defaults.delay = Duration.ofSeconds(2);
			defaults.target = HedgeTarget.NEXT;
			return defaults;
		}

		/**
		 * Whether to send a hedge when an attempt of an idempotent call is slow to answer
		 * (the same tokens may be billed twice).
		 * @return whether enabled
		 */
		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		/**
		 * Whether to send a hedge when an attempt of an idempotent call is slow to answer
		 * (the same tokens may be billed twice).
		 * @param enabled whether enabled
		 */
		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		/**
		 * How long an attempt may go without an answer (for a stream: without its first
		 * content chunk) before the hedge is sent.
		 * @return the delay
		 */
		public @Nullable Duration getDelay() {
			return this.delay;
		}

		/**
		 * How long an attempt may go without an answer (for a stream: without its first
		 * content chunk) before the hedge is sent.
		 * @param delay the delay
		 */
		public void setDelay(@Nullable Duration delay) {
			this.delay = delay;
		}

		/**
		 * Where the hedge is sent: 'next', the policy's next target, or 'same', the
		 * target in flight again.
		 * @return the target
		 */
		public @Nullable HedgeTarget getTarget() {
			return this.target;
		}

		/**
		 * Where the hedge is sent: 'next', the policy's next target, or 'same', the
		 * target in flight again.
		 * @param target the target
		 */
		public void setTarget(@Nullable HedgeTarget target) {
			this.target = target;
		}

	}

	/**
	 * Circuit breaker of a target: 'llm.defaults.circuit-breaker', and a provider's
	 * 'circuit-breaker', whose unset fields take 'llm.defaults.circuit-breaker'.
	 */
	public static class CircuitBreaker {

		/**
		 * Whether targets have a circuit breaker.
		 */
		private @Nullable Boolean enabled;

		/**
		 * Failure rate, in percent, at or above which the circuit opens.
		 */
		private @Nullable Float failureRateThreshold;

		/**
		 * Number of target tries in the sliding window that the failure rate is computed
		 * over.
		 */
		private @Nullable Integer slidingWindowSize;

		/**
		 * Tries needed in the window before the failure rate is computed.
		 */
		private @Nullable Integer minimumNumberOfCalls;

		/**
		 * How long the circuit stays open before it lets probe calls through.
		 */
		private @Nullable Duration waitDurationInOpenState;

		/**
		 * Probe calls let through while half-open.
		 */
		private @Nullable Integer permittedCallsInHalfOpenState;

		/**
		 * Return the settings 'llm.defaults.circuit-breaker' starts from.
		 * @return new settings with every field set
		 */
		static CircuitBreaker defaults() {
			CircuitBreaker defaults = new CircuitBreaker();
			defaults.enabled = true;
			defaults.failureRateThreshold = 50f;
			defaults.slidingWindowSize = 20;
			defaults.minimumNumberOfCalls = 10;
			defaults.waitDurationInOpenState = Duration.ofSeconds(30);
			defaults.permittedCallsInHalfOpenState = 2;
			return defaults;
		}

		/**
		 * Whether targets have a circuit breaker.
		 * @return whether enabled
		 */
		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		/**
		 * Whether targets have a circuit breaker.
		 * @param enabled whether enabled
		 */
		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		/**
		 * Failure rate, in percent, at or above which the circuit opens.
		 * @return the failure rate threshold
		 */
		public @Nullable Float getFailureRateThreshold() {
			return this.failureRateThreshold;
		}

		/**
		 * Failure rate, in percent, at or above which the circuit opens.
		 * @param failureRateThreshold the failure rate threshold
		 */
		public void setFailureRateThreshold(@Nullable Float failureRateThreshold) {
			this.failureRateThreshold = failureRateThreshold;
		}

		/**
		 * Number of target tries in the sliding window that the failure rate is computed
		 * over.
		 * @return the sliding window size
		 */
		public @Nullable Integer getSlidingWindowSize() {
			return this.slidingWindowSize;
		}

		/**
		 * Number of target tries in the sliding window that the failure rate is computed
		 * over.
		 * @param slidingWindowSize the sliding window size
		 */
		public void setSlidingWindowSize(@Nullable Integer slidingWindowSize) {
			this.slidingWindowSize = slidingWindowSize;
		}

		/**
		 * Tries needed in the window before the failure rate is computed.
		 * @return the minimum number of calls
		 */
		public @Nullable Integer getMinimumNumberOfCalls() {
			return this.minimumNumberOfCalls;
		}

		/**
		 * Tries needed in the window before the failure rate is computed.
		 * @param minimumNumberOfCalls the minimum number of calls
		 */
		public void setMinimumNumberOfCalls(@Nullable Integer minimumNumberOfCalls) {
			this.minimumNumberOfCalls = minimumNumberOfCalls;
		}

		/**
		 * How long the circuit stays open before it lets probe calls through.
		 * @return the wait duration in open state
		 */
		public @Nullable Duration getWaitDurationInOpenState() {
			return this.waitDurationInOpenState;
		}

		/**
		 * How long the circuit stays open before it lets probe calls through.
		 * @param waitDurationInOpenState the wait duration in open state
		 */
		public void setWaitDurationInOpenState(@Nullable Duration waitDurationInOpenState) {
			this.waitDurationInOpenState = waitDurationInOpenState;
		}

		/**
		 * Probe calls let through while half-open.
		 * @return the permitted calls in half open state
		 */
		public @Nullable Integer getPermittedCallsInHalfOpenState() {
			return this.permittedCallsInHalfOpenState;
		}

		/**
		 * Probe calls let through while half-open.
		 * @param permittedCallsInHalfOpenState the permitted calls in half open state
		 */
		public void setPermittedCallsInHalfOpenState(@Nullable Integer permittedCallsInHalfOpenState) {
			this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
		}

	}

	/**
	 * Retry budget of a provider: 'llm.defaults.retry-budget', and a provider's
	 * 'retry-budget', whose unset fields take 'llm.defaults.retry-budget'.
	 */
	public static class RetryBudget {

		/**
		 * Whether retries to the provider are limited to a share of its first requests.
		 */
		private @Nullable Boolean enabled;

		/**
		 * Share of the first requests of the window that retries may add, such as 0.2 for
		 * 20 %.
		 */
		private @Nullable Double ratio;

		/**
		 * How far back requests count.
		 */
		private @Nullable Duration window;

		/**
		 * Retries per second of the window allowed whatever the traffic, so that a quiet
		 * provider can still be retried.
		 */
		private @Nullable Double minRetriesPerSecond;

		/**
		 * Return the settings 'llm.defaults.retry-budget' starts from.
		 * @return new settings with every field set
		 */
		static RetryBudget defaults() {
			RetryBudget defaults = new RetryBudget();
			defaults.enabled = true;
			defaults.ratio = 0.2;
			defaults.window = Duration.ofSeconds(10);
			defaults.minRetriesPerSecond = 1.0;
			return defaults;
		}

		/**
		 * Whether retries to the provider are limited to a share of its first requests.
		 * @return whether enabled
		 */
		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		/**
		 * Whether retries to the provider are limited to a share of its first requests.
		 * @param enabled whether enabled
		 */
		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		/**
		 * Share of the first requests of the window that retries may add, such as 0.2 for
		 * 20 %.
		 * @return the ratio
		 */
		public @Nullable Double getRatio() {
			return this.ratio;
		}

		/**
		 * Share of the first requests of the window that retries may add, such as 0.2 for
		 * 20 %.
		 * @param ratio the ratio
		 */
		public void setRatio(@Nullable Double ratio) {
			this.ratio = ratio;
		}

		/**
		 * How far back requests count.
		 * @return the window
		 */
		public @Nullable Duration getWindow() {
			return this.window;
		}

		/**
		 * How far back requests count.
		 * @param window the window
		 */
		public void setWindow(@Nullable Duration window) {
			this.window = window;
		}

		/**
		 * Retries per second of the window allowed whatever the traffic, so that a quiet
		 * provider can still be retried.
		 * @return the min retries per second
		 */
		public @Nullable Double getMinRetriesPerSecond() {
			return this.minRetriesPerSecond;
		}

		/**
		 * Retries per second of the window allowed whatever the traffic, so that a quiet
		 * provider can still be retried.
		 * @param minRetriesPerSecond the min retries per second
		 */
		public void setMinRetriesPerSecond(@Nullable Double minRetriesPerSecond) {
			this.minRetriesPerSecond = minRetriesPerSecond;
		}

	}

	/**
	 * Request and token limits a provider's account is known to have, declared by the
	 * application.
	 */
	public static class RateLimit {

		/**
		 * Requests per minute this application sends to the provider at most; 0 means no
		 * declared limit.
		 */
		private int requestsPerMinute;

		/**
		 * Tokens per minute this application sends to the provider at most, each request
		 * reserving its estimate before it is sent; 0 means no declared limit.
		 */
		private long tokensPerMinute;

		/**
		 * Tokens the declared token limit reserves for the answer of a request that sets
		 * no max_tokens.
		 */
		private long completionReserve = 1000;

		/**
		 * Whether each request sent after a target's last rate-limit report is subtracted
		 * from what the report said is left, until a newer report or the reset.
		 */
		private boolean reservations = true;

		/**
		 * Whether each request sent after a target's last rate-limit report is subtracted
		 * from what the report said is left, until a newer report or the reset.
		 * @return whether reservations
		 */
		public boolean isReservations() {
			return this.reservations;
		}

		/**
		 * Whether each request sent after a target's last rate-limit report is subtracted
		 * from what the report said is left, until a newer report or the reset.
		 * @param reservations whether reservations
		 */
		public void setReservations(boolean reservations) {
			this.reservations = reservations;
		}

		/**
		 * Tokens per minute this application sends to the provider at most, each request
		 * reserving its estimate before it is sent; 0 means no declared limit.
		 * @return the tokens per minute
		 */
		public long getTokensPerMinute() {
			return this.tokensPerMinute;
		}

		/**
		 * Tokens per minute this application sends to the provider at most, each request
		 * reserving its estimate before it is sent; 0 means no declared limit.
		 * @param tokensPerMinute the tokens per minute
		 */
		public void setTokensPerMinute(long tokensPerMinute) {
			this.tokensPerMinute = tokensPerMinute;
		}

		/**
		 * Tokens the declared token limit reserves for the answer of a request that sets
		 * no max_tokens.
		 * @return the completion reserve
		 */
		public long getCompletionReserve() {
			return this.completionReserve;
		}

		/**
		 * Tokens the declared token limit reserves for the answer of a request that sets
		 * no max_tokens.
		 * @param completionReserve the completion reserve
		 */
		public void setCompletionReserve(long completionReserve) {
			this.completionReserve = completionReserve;
		}

		/**
		 * Requests per minute this application sends to the provider at most; 0 means no
		 * declared limit.
		 * @return the requests per minute
		 */
		public int getRequestsPerMinute() {
			return this.requestsPerMinute;
		}

		/**
		 * Requests per minute this application sends to the provider at most; 0 means no
		 * declared limit.
		 * @param requestsPerMinute the requests per minute
		 */
		public void setRequestsPerMinute(int requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
		}

	}

	/**
	 * A policy: its primary target, its fallbacks in order, and the rules that apply to
	 * them.
	 */
	public static class Policy extends Slot {

		/**
		 * Targets tried in order once the previous one has failed for good.
		 */
		private List<Fallback> fallbacks = new ArrayList<>();

		/**
		 * Targets tried in order, instead of the remaining fallbacks, when a call fails
		 * because its prompt is too long for a target (context-length).
		 */
		private List<Target> onContextLength = new ArrayList<>();

		/**
		 * Targets tried in order, instead of the remaining fallbacks, when a provider
		 * refuses the content (content-filter).
		 */
		private List<Target> onContentFilter = new ArrayList<>();

		/**
		 * Targets tried in order, instead of the remaining fallbacks, when a call fails
		 * because its prompt is too long for a target (context-length).
		 * @return the on context length
		 */
		public List<Target> getOnContextLength() {
			return this.onContextLength;
		}

		/**
		 * Targets tried in order, instead of the remaining fallbacks, when a call fails
		 * because its prompt is too long for a target (context-length).
		 * @param onContextLength the on context length
		 */
		public void setOnContextLength(List<Target> onContextLength) {
			this.onContextLength = onContextLength;
		}

		/**
		 * Targets tried in order, instead of the remaining fallbacks, when a provider
		 * refuses the content (content-filter).
		 * @return the on content filter
		 */
		public List<Target> getOnContentFilter() {
			return this.onContentFilter;
		}

		/**
		 * Targets tried in order, instead of the remaining fallbacks, when a provider
		 * refuses the content (content-filter).
		 * @param onContentFilter the on content filter
		 */
		public void setOnContentFilter(List<Target> onContentFilter) {
			this.onContentFilter = onContentFilter;
		}

		/**
		 * Retry settings of this policy; each field left unset takes
		 * 'llm.defaults.retry'.
		 */
		@NestedConfigurationProperty
		private Retry retry = new Retry();

		/**
		 * Failure kinds after which the next target is tried; defaults to
		 * 'llm.defaults.fallback-on'.
		 */
		private @Nullable Set<FailureKind> fallbackOn;

		/**
		 * Longest a whole logical call may take, every target included (for a stream:
		 * until its first chunk); no deadline when unset.
		 */
		private @Nullable Duration deadline;

		/**
		 * Hedge settings of this policy; each field left unset takes
		 * 'llm.defaults.hedge'.
		 */
		@NestedConfigurationProperty
		private Hedge hedge = new Hedge();

		/**
		 * What a call does when every target of this policy is out: 'fail', 'wait' or
		 * 'probe'; defaults to 'llm.defaults.when-all-unavailable'.
		 */
		private @Nullable WhenAllUnavailable whenAllUnavailable;

		/**
		 * What a call does when every target of this policy is out: 'fail', 'wait' or
		 * 'probe'; defaults to 'llm.defaults.when-all-unavailable'.
		 * @return what a call does, or {@code null} for the default
		 */
		public @Nullable WhenAllUnavailable getWhenAllUnavailable() {
			return this.whenAllUnavailable;
		}

		/**
		 * What a call does when every target of this policy is out: 'fail', 'wait' or
		 * 'probe'; defaults to 'llm.defaults.when-all-unavailable'.
		 * @param whenAllUnavailable what a call does, or {@code null} for the default
		 */
		public void setWhenAllUnavailable(@Nullable WhenAllUnavailable whenAllUnavailable) {
			this.whenAllUnavailable = whenAllUnavailable;
		}

		/**
		 * What the policy serves: 'chat' (chat completions, streams and '@LlmCall'
		 * methods) or 'embeddings' (LlmClient.embed); the other kind of call fails.
		 */
		private PolicyType type = PolicyType.CHAT;

		/**
		 * Whether the targets of an embeddings policy may differ in model family or
		 * dimensions; every batch of a call then goes to the target that served its first
		 * batch.
		 */
		private boolean allowMixedModels;

		/**
		 * Most batches of one embeddings call in flight at once.
		 */
		private int maxConcurrentBatches = 4;

		/**
		 * What the policy serves: 'chat' (chat completions, streams and '@LlmCall'
		 * methods) or 'embeddings' (LlmClient.embed); the other kind of call fails.
		 * @return the type
		 */
		public PolicyType getType() {
			return this.type;
		}

		/**
		 * What the policy serves: 'chat' (chat completions, streams and '@LlmCall'
		 * methods) or 'embeddings' (LlmClient.embed); the other kind of call fails.
		 * @param type the type
		 */
		public void setType(PolicyType type) {
			this.type = type;
		}

		/**
		 * Whether the targets of an embeddings policy may differ in model family or
		 * dimensions; every batch of a call then goes to the target that served its first
		 * batch.
		 * @return whether allow mixed models
		 */
		public boolean isAllowMixedModels() {
			return this.allowMixedModels;
		}

		/**
		 * Whether the targets of an embeddings policy may differ in model family or
		 * dimensions; every batch of a call then goes to the target that served its first
		 * batch.
		 * @param allowMixedModels whether allow mixed models
		 */
		public void setAllowMixedModels(boolean allowMixedModels) {
			this.allowMixedModels = allowMixedModels;
		}

		/**
		 * Most batches of one embeddings call in flight at once.
		 * @return the max concurrent batches
		 */
		public int getMaxConcurrentBatches() {
			return this.maxConcurrentBatches;
		}

		/**
		 * Most batches of one embeddings call in flight at once.
		 * @param maxConcurrentBatches the max concurrent batches
		 */
		public void setMaxConcurrentBatches(int maxConcurrentBatches) {
			this.maxConcurrentBatches = maxConcurrentBatches;
		}

		/**
		 * Targets tried in order once the previous one has failed for good.
		 * @return the fallbacks
		 */
		public List<Fallback> getFallbacks() {
			return this.fallbacks;
		}

		/**
		 * Targets tried in order once the previous one has failed for good.
		 * @param fallbacks the fallbacks
		 */
		public void setFallbacks(List<Fallback> fallbacks) {
			this.fallbacks = fallbacks;
		}

		/**
		 * Retry settings of this policy; each field left unset takes
		 * 'llm.defaults.retry'.
		 * @return the retry
		 */
		public Retry getRetry() {
			return this.retry;
		}

		/**
		 * Retry settings of this policy; each field left unset takes
		 * 'llm.defaults.retry'.
		 * @param retry the retry
		 */
		public void setRetry(Retry retry) {
			this.retry = retry;
		}

		/**
		 * Failure kinds after which the next target is tried; defaults to
		 * 'llm.defaults.fallback-on'.
		 * @return the fallback on
		 */
		public @Nullable Set<FailureKind> getFallbackOn() {
			return this.fallbackOn;
		}

		/**
		 * Failure kinds after which the next target is tried; defaults to
		 * 'llm.defaults.fallback-on'.
		 * @param fallbackOn the fallback on
		 */
		public void setFallbackOn(@Nullable Set<FailureKind> fallbackOn) {
			this.fallbackOn = fallbackOn;
		}

		/**
		 * Longest a whole logical call may take, every target included (for a stream:
		 * until its first chunk); no deadline when unset.
		 * @return the deadline
		 */
		public @Nullable Duration getDeadline() {
			return this.deadline;
		}

		/**
		 * Longest a whole logical call may take, every target included (for a stream:
		 * until its first chunk); no deadline when unset.
		 * @param deadline the deadline
		 */
		public void setDeadline(@Nullable Duration deadline) {
			this.deadline = deadline;
		}

		/**
		 * Hedge settings of this policy; each field left unset takes
		 * 'llm.defaults.hedge'.
		 * @return the hedge
		 */
		public Hedge getHedge() {
			return this.hedge;
		}

		/**
		 * Hedge settings of this policy; each field left unset takes
		 * 'llm.defaults.hedge'.
		 * @param hedge the hedge
		 */
		public void setHedge(Hedge hedge) {
			this.hedge = hedge;
		}

	}

	/**
	 * A slot of a policy's chain: a target, or a pool of members in its place. The
	 * policy's own provider and model (its primary target) and each of its fallbacks are
	 * one.
	 */
	public abstract static class Slot extends Target {

		/**
		 * Pool of members in place of this slot's provider and model.
		 */
		@NestedConfigurationProperty
		private Pool pool = new Pool();

		/**
		 * Pool of members in place of this slot's provider and model.
		 * @return the pool
		 */
		public Pool getPool() {
			return this.pool;
		}

		/**
		 * Pool of members in place of this slot's provider and model.
		 * @param pool the pool
		 */
		public void setPool(Pool pool) {
			this.pool = pool;
		}

	}

	/**
	 * A fallback entry of a policy: a target, or a pool of members in its place.
	 */
	public static class Fallback extends Slot {

	}

	/**
	 * A target: a provider and one of its models, with the settings a target takes. An
	 * entry of a per-kind chain ({@code on-context-length}, {@code on-content-filter}),
	 * which takes no pool, is one; a policy's primary target and fallbacks (a slot) and a
	 * pool's members add to it.
	 */
	public static class Target {

		/**
		 * Provider of the target; may be left out when exactly one provider exists.
		 */
		private @Nullable String provider;

		/**
		 * Model of the target (for Azure OpenAI, the deployment name).
		 */
		private @Nullable String model;

		/**
		 * Model family of the target, which tells the same model under different names
		 * apart from different models; defaults to the model name.
		 */
		private @Nullable String modelFamily;

		/**
		 * Vector size the target of an embeddings policy is asked for (OpenAI's
		 * 'dimensions'); the model's own size when unset.
		 */
		private @Nullable Integer dimensions;

		/**
		 * Largest prompt, in tokens, the target takes; a longer prompt (estimated, +5 %)
		 * passes it over without a request (a pool's pick goes to another member). No
		 * limit when unset.
		 */
		private @Nullable Long maxInputTokens;

		/**
		 * Provider of the target; may be left out when exactly one provider exists.
		 * @return the provider
		 */
		public @Nullable String getProvider() {
			return this.provider;
		}

		/**
		 * Provider of the target; may be left out when exactly one provider exists.
		 * @param provider the provider
		 */
		public void setProvider(@Nullable String provider) {
			this.provider = provider;
		}

		/**
		 * Model of the target (for Azure OpenAI, the deployment name).
		 * @return the model
		 */
		public @Nullable String getModel() {
			return this.model;
		}

		/**
		 * Model of the target (for Azure OpenAI, the deployment name).
		 * @param model the model
		 */
		public void setModel(@Nullable String model) {
			this.model = model;
		}

		/**
		 * Model family of the target, which tells the same model under different names
		 * apart from different models; defaults to the model name.
		 * @return the model family
		 */
		public @Nullable String getModelFamily() {
			return this.modelFamily;
		}

		/**
		 * Model family of the target, which tells the same model under different names
		 * apart from different models; defaults to the model name.
		 * @param modelFamily the model family
		 */
		public void setModelFamily(@Nullable String modelFamily) {
			this.modelFamily = modelFamily;
		}

		/**
		 * Vector size the target of an embeddings policy is asked for (OpenAI's
		 * 'dimensions'); the model's own size when unset.
		 * @return the dimensions
		 */
		public @Nullable Integer getDimensions() {
			return this.dimensions;
		}

		/**
		 * Vector size the target of an embeddings policy is asked for (OpenAI's
		 * 'dimensions'); the model's own size when unset.
		 * @param dimensions the dimensions
		 */
		public void setDimensions(@Nullable Integer dimensions) {
			this.dimensions = dimensions;
		}

		/**
		 * Largest prompt, in tokens, the target takes; a longer prompt (estimated, +5 %)
		 * passes it over without a request (a pool's pick goes to another member). No
		 * limit when unset.
		 * @return the max input tokens
		 */
		public @Nullable Long getMaxInputTokens() {
			return this.maxInputTokens;
		}

		/**
		 * Largest prompt, in tokens, the target takes; a longer prompt (estimated, +5 %)
		 * passes it over without a request (a pool's pick goes to another member). No
		 * limit when unset.
		 * @param maxInputTokens the max input tokens
		 */
		public void setMaxInputTokens(@Nullable Long maxInputTokens) {
			this.maxInputTokens = maxInputTokens;
		}

	}

	/**
	 * A pool: several members (deployments, regions or projects of one model) behind one
	 * target slot of a policy, among which each attempt picks one.
	 */
	public static class Pool {

		/**
		 * How each attempt picks a member among those of the lowest tier that can be sent
		 * to now: 'weighted' (a random draw by weight), 'round-robin' or 'least-busy'
		 * (fewest attempts in flight).
		 */
		private PoolStrategy strategy = PoolStrategy.WEIGHTED;

		/**
		 * Whether calls with the same affinity key go to the same member (weighted
		 * rendezvous hashing), so that a conversation stays on one deployment.
		 */
		private boolean sticky;

		/**
		 * Whether the members may be different models (a different model-family).
		 */
		private boolean allowMixedModels;

		/**
		 * Members of the pool: each a provider and a model, with a weight and a tier.
		 */
		private List<Member> members = new ArrayList<>();

		/**
		 * How each attempt picks a member among those of the lowest tier that can be sent
		 * to now: 'weighted' (a random draw by weight), 'round-robin' or 'least-busy'
		 * (fewest attempts in flight).
		 * @return the strategy
		 */
		public PoolStrategy getStrategy() {
			return this.strategy;
		}

		/**
		 * How each attempt picks a member among those of the lowest tier that can be sent
		 * to now: 'weighted' (a random draw by weight), 'round-robin' or 'least-busy'
		 * (fewest attempts in flight).
		 * @param strategy the strategy
		 */
		public void setStrategy(PoolStrategy strategy) {
			this.strategy = strategy;
		}

		/**
		 * Whether calls with the same affinity key go to the same member (weighted
		 * rendezvous hashing), so that a conversation stays on one deployment.
		 * @return whether sticky
		 */
		public boolean isSticky() {
			return this.sticky;
		}

		/**
		 * Whether calls with the same affinity key go to the same member (weighted
		 * rendezvous hashing), so that a conversation stays on one deployment.
		 * @param sticky whether sticky
		 */
		public void setSticky(boolean sticky) {
			this.sticky = sticky;
		}

		/**
		 * Whether the members may be different models (a different model-family).
		 * @return whether allow mixed models
		 */
		public boolean isAllowMixedModels() {
			return this.allowMixedModels;
		}

		/**
		 * Whether the members may be different models (a different model-family).
		 * @param allowMixedModels whether allow mixed models
		 */
		public void setAllowMixedModels(boolean allowMixedModels) {
			this.allowMixedModels = allowMixedModels;
		}

		/**
		 * Members of the pool: each a provider and a model, with a weight and a tier.
		 * @return the members
		 */
		public List<Member> getMembers() {
			return this.members;
		}

		/**
		 * Members of the pool: each a provider and a model, with a weight and a tier.
		 * @param members the members
		 */
		public void setMembers(List<Member> members) {
			this.members = members;
		}

	}

	/**
	 * A member of a pool: a provider and a model, with the settings a target takes, its
	 * weight and its tier.
	 */
	public static class Member extends Target {

		/**
		 * Share of the traffic against the other members of its tier, at least 1.
		 */
		private int weight = 1;

		/**
		 * Tier of the member: a tier serves only while every member of the tiers below it
		 * is out (0 first).
		 */
		private int tier;

		/**
		 * Share of the traffic against the other members of its tier, at least 1.
		 * @return the weight
		 */
		public int getWeight() {
			return this.weight;
		}

		/**
		 * Share of the traffic against the other members of its tier, at least 1.
		 * @param weight the weight
		 */
		public void setWeight(int weight) {
			this.weight = weight;
		}

		/**
		 * Tier of the member: a tier serves only while every member of the tiers below it
		 * is out (0 first).
		 * @return the tier
		 */
		public int getTier() {
			return this.tier;
		}

		/**
		 * Tier of the member: a tier serves only while every member of the tiers below it
		 * is out (0 first).
		 * @param tier the tier
		 */
		public void setTier(int tier) {
			this.tier = tier;
		}

	}

	/**
	 * '@LlmCall' settings.
	 */
	public static class Call {

		/**
		 * Order of the '@LlmCall' advisor among a bean's other advisors, such as
		 * '@Transactional': a lower value runs around a higher one. Unset, it runs around
		 * all of them, so each attempt of a blocking method runs them again (a
		 * transaction per attempt).
		 */
		private @Nullable Integer advisorOrder;

		/**
		 * Order of the '@LlmCall' advisor among a bean's other advisors, such as
		 * '@Transactional': a lower value runs around a higher one. Unset, it runs around
		 * all of them, so each attempt of a blocking method runs them again (a
		 * transaction per attempt).
		 * @return the advisor order
		 */
		public @Nullable Integer getAdvisorOrder() {
			return this.advisorOrder;
		}

		/**
		 * Order of the '@LlmCall' advisor among a bean's other advisors, such as
		 * '@Transactional': a lower value runs around a higher one. Unset, it runs around
		 * all of them, so each attempt of a blocking method runs them again (a
		 * transaction per attempt).
		 * @param advisorOrder the advisor order
		 */
		public void setAdvisorOrder(@Nullable Integer advisorOrder) {
			this.advisorOrder = advisorOrder;
		}

	}

	/**
	 * Health contributor settings.
	 */
	public static class Health {

		/**
		 * Whether the 'llm' health contributor reports DOWN when every target of some
		 * policy has an open circuit; by default it stays UP, so an outage the fallbacks
		 * handle never takes the application out of service.
		 */
		private boolean failWhenUnavailable;

		/**
		 * Whether the 'llm' health contributor reports DOWN when every target of some
		 * policy has an open circuit; by default it stays UP, so an outage the fallbacks
		 * handle never takes the application out of service.
		 * @return whether fail when unavailable
		 */
		public boolean isFailWhenUnavailable() {
			return this.failWhenUnavailable;
		}

		/**
		 * Whether the 'llm' health contributor reports DOWN when every target of some
		 * policy has an open circuit; by default it stays UP, so an outage the fallbacks
		 * handle never takes the application out of service.
		 * @param failWhenUnavailable whether fail when unavailable
		 */
		public void setFailWhenUnavailable(boolean failWhenUnavailable) {
			this.failWhenUnavailable = failWhenUnavailable;
		}

	}

	/**
	 * State shared by the instances of the application.
	 */
	public static class SharedState {

		/**
		 * Where the instances share what they learn from the providers: 'none' (each
		 * instance learns alone) or 'redis' (needs a ReactiveRedisConnectionFactory bean,
		 * such as spring-boot-starter-data-redis-reactive's).
		 */
		private SharedStateType type = SharedStateType.NONE;

		/**
		 * Prefix of the Redis keys and of the channel of the shared state; instances with
		 * the same prefix share their state.
		 */
		private String keyPrefix = "llm";

		/**
		 * Longest wait for an answer from Redis; a slower answer counts as Redis being
		 * down, and the instance goes on with its own state.
		 */
		private Duration timeout = Duration.ofMillis(50);

		/**
		 * Where the instances share what they learn from the providers: 'none' (each
		 * instance learns alone) or 'redis' (needs a ReactiveRedisConnectionFactory bean,
		 * such as spring-boot-starter-data-redis-reactive's).
		 * @return the type
		 */
		public SharedStateType getType() {
			return this.type;
		}

		/**
		 * Where the instances share what they learn from the providers: 'none' (each
		 * instance learns alone) or 'redis' (needs a ReactiveRedisConnectionFactory bean,
		 * such as spring-boot-starter-data-redis-reactive's).
		 * @param type the type
		 */
		public void setType(SharedStateType type) {
			this.type = type;
		}

		/**
		 * Prefix of the Redis keys and of the channel of the shared state; instances with
		 * the same prefix share their state.
		 * @return the key prefix
		 */
		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		/**
		 * Prefix of the Redis keys and of the channel of the shared state; instances with
		 * the same prefix share their state.
		 * @param keyPrefix the key prefix
		 */
		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		/**
		 * Longest wait for an answer from Redis; a slower answer counts as Redis being
		 * down, and the instance goes on with its own state.
		 * @return the timeout
		 */
		public Duration getTimeout() {
			return this.timeout;
		}

		/**
		 * Longest wait for an answer from Redis; a slower answer counts as Redis being
		 * down, and the instance goes on with its own state.
		 * @param timeout the timeout
		 */
		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

}
