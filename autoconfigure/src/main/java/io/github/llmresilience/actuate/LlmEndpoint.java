package io.github.llmresilience.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.client.ProviderSettings;
import io.github.llmresilience.client.RateLimitHeaders.Limit;
import io.github.llmresilience.client.RateLimitHeaders.Snapshot;
import io.github.llmresilience.execution.PoolState;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.RateLimitType;
import io.github.llmresilience.pacing.BatchQueue;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.TargetReservations;
import io.github.llmresilience.pacing.RetryBudget;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;
import io.github.llmresilience.support.DurationText;

/**
 * The {@code llm} actuator endpoint: every provider, every policy with its targets in
 * order, the state of each target's circuit breaker, and the resolved retry and circuit
 * breaker settings. API keys are never shown, only whether one is set.
 */
@Endpoint(id = "llm")
public class LlmEndpoint {

	private final LlmPolicies policies;

	private final TargetResilience resilience;

	private final ProviderClients clients;

	private final Pacing pacing;

	private final Clock clock;

	/**
	 * Create the endpoint.
	 * @param policies the policies
	 * @param resilience the circuit breakers
	 * @param clients the providers
	 */
	public LlmEndpoint(LlmPolicies policies, TargetResilience resilience, ProviderClients clients) {
		this(policies, resilience, clients, Pacing.NONE);
	}

	/**
	 * Create the endpoint.
	 * @param policies the policies
	 * @param resilience the circuit breakers
	 * @param clients the providers
	 * @param pacing the rate-limit snapshots and retry budgets
	 */
	public LlmEndpoint(LlmPolicies policies, TargetResilience resilience, ProviderClients clients, Pacing pacing) {
		this(policies, resilience, clients, pacing, Clock.systemUTC());
	}

	/**
	 * Create the endpoint.
	 * @param policies the policies
	 * @param resilience the circuit breakers
	 * @param clients the providers
	 * @param pacing the rate-limit snapshots, reservations and retry budgets
	 * @param clock the engine's clock, which says whether a reported budget is still live
	 */
	public LlmEndpoint(LlmPolicies policies, TargetResilience resilience, ProviderClients clients, Pacing pacing,
			Clock clock) {
		this.policies = policies;
		this.resilience = resilience;
		this.clients = clients;
		this.pacing = pacing;
		this.clock = clock;
	}

	/**
	 * Describe the providers and policies.
	 * @return the description
	 */
	@ReadOperation
	public LlmDescriptor llm() {
		Map<String, ProviderDescriptor> providers = new LinkedHashMap<>();
		this.clients.all().forEach((name, client) -> providers.put(name, ProviderDescriptor.of(client.settings())));
		Map<String, PolicyDescriptor> policies = new LinkedHashMap<>();
		this.policies.all().forEach((name, policy) -> policies.put(name, describe(policy)));
		Map<String, RateLimitDescriptor> rateLimits = new LinkedHashMap<>();
		this.pacing.snapshots()
			.forEach((target, snapshot) -> rateLimits.put(target.name(),
					RateLimitDescriptor.of(snapshot, this.pacing.exhaustedUntil(target))));
		Map<String, RetryBudgetDescriptor> budgets = new LinkedHashMap<>();
		this.pacing.budgets().forEach((provider, budget) -> budgets.put(provider, RetryBudgetDescriptor.of(budget)));
		Instant now = Instant.now(this.clock);
		Map<String, ReservationDescriptor> reservations = new LinkedHashMap<>();
		this.pacing.allReservations()
			.forEach((target, reserved) -> reservations.put(target.name(), ReservationDescriptor.of(reserved, now)));
		Map<String, TokenLimitDescriptor> tokenLimits = new LinkedHashMap<>();
		this.pacing.tokenLimiters()
			.forEach((provider, limiter) -> tokenLimits.put(provider,
					new TokenLimitDescriptor(limiter.capacity(), limiter.available())));
		Map<String, BatchQueueDescriptor> batchQueues = new LinkedHashMap<>();
		this.pacing.batchQueues()
			.forEach((provider, queue) -> batchQueues.put(provider, BatchQueueDescriptor.of(queue)));
		return new LlmDescriptor(providers, policies, rateLimits, budgets, batchQueues, reservations, tokenLimits);
	}

	private PolicyDescriptor describe(ResolvedPolicy policy) {
		List<TargetDescriptor> targets = new ArrayList<>();
		Map<String, PoolDescriptor> pools = new LinkedHashMap<>();
		for (TargetSlot slot : policy.slots()) {
			String retry = policy.retryName(slot);
			for (Target target : slot.targets()) {
				targets.add(new TargetDescriptor(target.provider(), target.model(), retry, circuitBreaker(target)));
			}
			if (slot.isPool()) {
				pools.put(slot.name(), describePool(policy, slot));
			}
		}
		return new PolicyDescriptor(targets, RetryDescriptor.of(policy.retry()),
				policy.fallbackOn().stream().map(FailureKind::value).sorted().toList(), format(policy.deadline()),
				HedgeDescriptor.of(policy.hedge()), policy.whenAllUnavailable().name().toLowerCase(Locale.ROOT), pools);
	}

	private PoolDescriptor describePool(ResolvedPolicy policy, TargetSlot slot) {
		PoolState state = this.resilience.pool(policy, slot);
		Instant now = Instant.now(Clock.systemUTC());
		List<MemberDescriptor> members = new ArrayList<>();
		for (PoolMember member : slot.members()) {
			Target target = member.target();
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			String circuit = (circuitBreaker != null) ? circuitBreaker.getState().name() : null;
			Instant openUntil = this.resilience.openUntil(target);
			Instant exhaustedUntil = this.pacing.exhaustedUntil(target);
			Instant serverWait = state.serverWait(target, now);
			String status = "available";
			if (this.resilience.isOpen(target)) {
				status = "circuit-open";
			}
			else if (exhaustedUntil != null) {
				status = "rate-limited";
			}
			else if (serverWait != null) {
				status = "server-wait";
			}
			members.add(new MemberDescriptor(target.provider(), target.model(), member.modelFamily(), member.weight(),
					member.tier(), status, circuit, openUntil, exhaustedUntil, serverWait, state.inFlight(target),
					state.sent(target)));
		}
		TargetSlot.PoolSettings settings = slot.pool();
		return new PoolDescriptor(policy.retryName(slot),
				(settings != null) ? settings.strategy().toString() : "weighted", settings != null && settings.sticky(),
				members);
	}

	private @Nullable CircuitBreakerDescriptor circuitBreaker(Target target) {
		CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
		CircuitBreakerSettings settings = this.policies.circuitBreakers().get(target);
		if (circuitBreaker == null || settings == null) {
			return null;
		}
		CircuitBreaker.Metrics metrics = circuitBreaker.getMetrics();
		return new CircuitBreakerDescriptor(circuitBreaker.getName(), circuitBreaker.getState().name(),
				this.resilience.openUntil(target), metrics.getFailureRate(), metrics.getNumberOfBufferedCalls(),
				metrics.getNumberOfFailedCalls(), metrics.getNumberOfNotPermittedCalls(),
				settings.failureRateThreshold(), settings.slidingWindowSize(), settings.minimumNumberOfCalls(),
				format(settings.waitDurationInOpenState()), settings.permittedCallsInHalfOpenState());
	}

	static @Nullable String format(@Nullable Duration duration) {
		return (duration != null) ? DurationText.format(duration) : null;
	}

	/**
	 * The providers and policies.
	 *
	 * @param providers the providers by name
	 * @param policies the policies by name
	 * @param rateLimits what the last answer of each target said of its rate limits, by
	 * target
	 * @param retryBudgets the retry budget of each provider that has one, by provider
	 * @param batchQueues the queue of each provider's batch requests, by provider
	 * @param reservations what the requests in flight to each target hold, and what is
	 * left of its reported budgets, by target
	 * @param tokenLimits the declared token limit of each provider that has one, by
	 * provider
	 */
	public record LlmDescriptor(Map<String, ProviderDescriptor> providers, Map<String, PolicyDescriptor> policies,
			Map<String, RateLimitDescriptor> rateLimits, Map<String, RetryBudgetDescriptor> retryBudgets,
			Map<String, BatchQueueDescriptor> batchQueues, Map<String, ReservationDescriptor> reservations,
			Map<String, TokenLimitDescriptor> tokenLimits) implements OperationResponseBody {

	}

	/**
	 * What a target's requests hold of its limits.
	 *
	 * @param requestsInFlight the requests sent and not over yet
	 * @param tokensInFlight the tokens they reserved
	 * @param requestsLeft what is left of the last reported request budget, less what was
	 * sent since, or {@code null} if no report is live
	 * @param tokensLeft the same for tokens, or {@code null}
	 */
	public record ReservationDescriptor(long requestsInFlight, long tokensInFlight, @Nullable Long requestsLeft,
			@Nullable Long tokensLeft) {

		static ReservationDescriptor of(TargetReservations reservations, Instant now) {
			return new ReservationDescriptor(reservations.inFlight(), reservations.tokensInFlight(),
					reservations.left(RateLimitType.REQUESTS, now), reservations.left(RateLimitType.TOKENS, now));
		}

	}

	/**
	 * A provider's declared token limit.
	 *
	 * @param tokensPerMinute the limit
	 * @param available the tokens its bucket holds now (this instance's view; negative
	 * while answers that used more than their estimate are paid back)
	 */
	public record TokenLimitDescriptor(long tokensPerMinute, long available) {

	}

	/**
	 * The queue of a provider's batch requests in front of its connection pool.
	 *
	 * @param limit the most batch requests in flight at once (its {@code batch-share} of
	 * {@code max-connections})
	 * @param inFlight the batch requests in flight
	 * @param queued the batch requests waiting for their turn
	 * @param maxWait the longest a batch request waits ({@code pending-acquire-timeout})
	 */
	public record BatchQueueDescriptor(int limit, int inFlight, int queued, @Nullable String maxWait) {

		static BatchQueueDescriptor of(BatchQueue queue) {
			return new BatchQueueDescriptor(queue.limit(), queue.inFlight(), queue.queued(), format(queue.maxWait()));
		}

	}

	/**
	 * What a target's last answer said of its rate limits.
	 *
	 * @param requests the request limit
	 * @param tokens the token limit
	 * @param exhaustedUntil until when requests to the target are held back, or
	 * {@code null}
	 */
	public record RateLimitDescriptor(LimitDescriptor requests, LimitDescriptor tokens,
			@Nullable Instant exhaustedUntil) {

		static RateLimitDescriptor of(Snapshot snapshot, @Nullable Instant exhaustedUntil) {
			return new RateLimitDescriptor(LimitDescriptor.of(snapshot.requests()),
					LimitDescriptor.of(snapshot.tokens()), exhaustedUntil);
		}

	}

	/**
	 * One rate limit.
	 *
	 * @param limit the limit, or {@code null} if not known
	 * @param remaining what is left, or {@code null} if not known
	 * @param reset when it is replenished, or {@code null} if not known
	 */
	public record LimitDescriptor(@Nullable Long limit, @Nullable Long remaining, @Nullable Instant reset) {

		static LimitDescriptor of(Limit limit) {
			return new LimitDescriptor(limit.limit(), limit.remaining(), limit.reset());
		}

	}

	/**
	 * A provider's retry budget, in its window now.
	 *
	 * @param firstRequests first requests of logical calls
	 * @param retries retries sent
	 * @param allowedRetries retries the window allows
	 */
	public record RetryBudgetDescriptor(int firstRequests, int retries, int allowedRetries) {

		static RetryBudgetDescriptor of(RetryBudget budget) {
			RetryBudget.Usage usage = budget.usage();
			return new RetryBudgetDescriptor(usage.firstRequests(), usage.retries(), usage.allowedRetries());
		}

	}

	/**
	 * A provider.
	 *
	 * @param baseUrl the base URL
	 * @param apiKeySet whether an API key is set
	 * @param authHeader the header that carries the key
	 * @param queryParams the names of the query parameters sent
	 * @param headers the names of the extra headers sent
	 * @param connectTimeout the connect timeout
	 * @param readTimeout the read timeout
	 * @param firstChunkTimeout the first-chunk timeout
	 * @param streamIdleTimeout the stream idle timeout
	 * @param maxConnections the pool size
	 * @param pendingAcquireTimeout the pool acquisition timeout
	 */
	public record ProviderDescriptor(String baseUrl, boolean apiKeySet, String authHeader, List<String> queryParams,
			List<String> headers, @Nullable String connectTimeout, @Nullable String readTimeout,
			@Nullable String firstChunkTimeout, @Nullable String streamIdleTimeout, int maxConnections,
			@Nullable String pendingAcquireTimeout) {

		static ProviderDescriptor of(ProviderSettings settings) {
			return new ProviderDescriptor(settings.baseUrl().toString(), settings.apiKey() != null,
					settings.authHeader(), settings.queryParams().keySet().stream().sorted().toList(),
					settings.headers().keySet().stream().sorted().toList(), format(settings.connectTimeout()),
					format(settings.readTimeout()), format(settings.firstChunkTimeout()),
					format(settings.streamIdleTimeout()), settings.maxConnections(),
					format(settings.pendingAcquireTimeout()));
		}

	}

	/**
	 * A policy.
	 *
	 * @param targets the primary, then the fallbacks in order
	 * @param retry the retry settings of its targets
	 * @param fallbackOn the failure kinds that move to the next target
	 * @param deadline the deadline of a logical call, or {@code null}
	 * @param hedge its hedge settings
	 * @param whenAllUnavailable what a call does when every target is out: {@code fail},
	 * {@code wait} or {@code probe}
	 * @param pools its pool slots, by slot name ({@code primary}, {@code fallbacks[0]},
	 * …)
	 */
	public record PolicyDescriptor(List<TargetDescriptor> targets, RetryDescriptor retry, List<String> fallbackOn,
			@Nullable String deadline, HedgeDescriptor hedge, String whenAllUnavailable,
			Map<String, PoolDescriptor> pools) {

	}

	/**
	 * A pool slot of a policy.
	 *
	 * @param retry the name of the slot's Resilience4j retry
	 * @param strategy how each attempt picks a member
	 * @param sticky whether calls with the same affinity key go to the same member
	 * @param members the members and their state
	 */
	public record PoolDescriptor(String retry, String strategy, boolean sticky, List<MemberDescriptor> members) {

	}

	/**
	 * A member of a pool, and its state as this instance knows it.
	 *
	 * @param provider its provider
	 * @param model its model
	 * @param modelFamily its model family
	 * @param weight its weight
	 * @param tier its tier
	 * @param status {@code available}, or why the pick passes it over now:
	 * {@code circuit-open}, {@code rate-limited} (its headers said its limit is used up),
	 * {@code server-wait} (its server asked for a wait that is still running)
	 * @param circuitBreaker the state of its circuit breaker, or {@code null} without one
	 * @param openUntil until when its circuit stays open, or {@code null}
	 * @param rateLimitedUntil until when its rate limit is used up, or {@code null}
	 * @param serverWaitUntil until when its server asked not to be sent to, or
	 * {@code null}
	 * @param inFlight the pool's attempts in flight to it
	 * @param sent the pool's attempts sent to it since the start
	 */
	public record MemberDescriptor(String provider, String model, String modelFamily, int weight, int tier,
			String status, @Nullable String circuitBreaker, @Nullable Instant openUntil,
			@Nullable Instant rateLimitedUntil, @Nullable Instant serverWaitUntil, int inFlight, long sent) {

	}

	/**
	 * The hedge settings of a policy.
	 *
	 * @param enabled whether its idempotent calls are hedged
	 * @param delay how long an attempt goes without an answer before the hedge is sent
	 * @param target where the hedge goes: {@code next} or {@code same}
	 */
	public record HedgeDescriptor(boolean enabled, @Nullable String delay, String target) {

		static HedgeDescriptor of(HedgeSettings hedge) {
			return new HedgeDescriptor(hedge.enabled(), format(hedge.delay()), hedge.target().toString());
		}

	}

	/**
	 * A target of a policy.
	 *
	 * @param provider the provider
	 * @param model the model
	 * @param retry the name of its Resilience4j retry in this policy
	 * @param circuitBreaker its circuit breaker, or {@code null} if it has none
	 */
	public record TargetDescriptor(String provider, String model, String retry,
			@Nullable CircuitBreakerDescriptor circuitBreaker) {

	}

	/**
	 * A target's circuit breaker.
	 *
	 * @param name its Resilience4j name
	 * @param state its state
	 * @param openUntil until when it stays open, or {@code null}
	 * @param failureRate the failure rate in percent, or -1 before enough calls
	 * @param bufferedCalls the calls in the sliding window
	 * @param failedCalls the failed calls in the sliding window
	 * @param notPermittedCalls the calls refused while open
	 * @param failureRateThreshold the threshold that opens it
	 * @param slidingWindowSize the window size
	 * @param minimumNumberOfCalls the calls needed before the rate counts
	 * @param waitDurationInOpenState how long it stays open
	 * @param permittedCallsInHalfOpenState the probes let through while half-open
	 */
	public record CircuitBreakerDescriptor(String name, String state, @Nullable Instant openUntil, float failureRate,
			int bufferedCalls, int failedCalls, long notPermittedCalls, float failureRateThreshold,
			int slidingWindowSize, int minimumNumberOfCalls, @Nullable String waitDurationInOpenState,
			int permittedCallsInHalfOpenState) {

	}

	/**
	 * A policy's retry settings.
	 *
	 * @param maxAttempts attempts per target
	 * @param maxElapsed longest time per target
	 * @param initialBackoff first wait
	 * @param multiplier growth of waits
	 * @param maxBackoff longest computed wait
	 * @param jitter randomization factor
	 * @param retryOnStatus retried statuses
	 * @param retryOnTimeout whether timeouts are retried
	 * @param retryOnConnectionError whether connection failures are retried
	 * @param respectRetryAfter whether server waits are honoured
	 * @param maxRetryAfter longest honoured server wait
	 * @param retryOnExceptions further retried exceptions
	 */
	public record RetryDescriptor(int maxAttempts, @Nullable String maxElapsed, @Nullable String initialBackoff,
			double multiplier, @Nullable String maxBackoff, double jitter, List<Integer> retryOnStatus,
			boolean retryOnTimeout, boolean retryOnConnectionError, boolean respectRetryAfter,
			@Nullable String maxRetryAfter, List<String> retryOnExceptions) {

		static RetryDescriptor of(RetrySettings retry) {
			return new RetryDescriptor(retry.maxAttempts(), format(retry.maxElapsed()), format(retry.initialBackoff()),
					retry.multiplier(), format(retry.maxBackoff()), retry.jitter(),
					retry.retryOnStatus().stream().sorted().toList(), retry.retryOnTimeout(),
					retry.retryOnConnectionError(), retry.respectRetryAfter(), format(retry.maxRetryAfter()),
					retry.retryOnExceptions().stream().map(Class::getName).toList());
		}

	}

}
