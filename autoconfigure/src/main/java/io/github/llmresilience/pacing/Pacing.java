package io.github.llmresilience.pacing;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.client.RateLimitHeaders.Limit;
import io.github.llmresilience.client.RateLimitHeaders.Snapshot;
import io.github.llmresilience.client.RateLimitObserver;
import io.github.llmresilience.client.SentRequest;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.observation.RateLimitType;

/**
 * What paces the requests to every provider: the last rate-limit snapshot of each target
 * and until when it is known to be used up, what its requests hold of its reported limits
 * ({@link TargetReservations}), the declared request and token limits, the largest prompt
 * each target takes, and the retry budgets. It learns the snapshots from every answer, as
 * the {@link RateLimitObserver} of the providers' clients.
 */
public final class Pacing implements RateLimitObserver {

	/**
	 * Pacing that never holds a request back.
	 */
	public static final Pacing NONE = new Pacing(List.of(), Clock.systemUTC(), LlmMetrics.NONE, (provider) -> null,
			CooldownListener.NONE);

	private final Map<String, ProviderState> providers;

	private final Map<String, BatchQueue> batchQueues;

	private final Map<Target, TargetState> targets = new ConcurrentHashMap<>();

	private final Clock clock;

	private final LlmMetrics metrics;

	private final CooldownPublisher cooldowns;

	/**
	 * Create the pacing of the providers.
	 * @param providers the providers' pacing settings
	 * @param clock the clock
	 * @param metrics where the rate-limit gauges are registered
	 * @param limiters creates the declared request limit of each provider
	 * ({@link RequestLimiters#local} holds them in this instance)
	 * @param cooldowns told when a target's headers say its limit is used up until an
	 * instant
	 */
	public Pacing(Collection<ProviderPacing> providers, Clock clock, LlmMetrics metrics, RequestLimiters limiters,
			CooldownListener cooldowns) {
		this(providers, List.of(), clock, metrics, limiters, cooldowns);
	}

	/**
	 * Create the pacing of the providers, with the queues of their batch requests.
	 * @param providers the providers' pacing settings
	 * @param concurrency the providers' connection pools and batch shares; a provider
	 * without them has no batch queue
	 * @param clock the clock
	 * @param metrics where the rate-limit gauges and the batch queues' gauges are
	 * registered
	 * @param limiters creates the declared request limit of each provider
	 * ({@link RequestLimiters#local} holds them in this instance)
	 * @param cooldowns told when a target's headers say its limit is used up until an
	 * instant
	 */
	public Pacing(Collection<ProviderPacing> providers, Collection<ProviderConcurrency> concurrency, Clock clock,
			LlmMetrics metrics, RequestLimiters limiters, CooldownListener cooldowns) {
		Map<String, BatchQueue> queues = new LinkedHashMap<>();
		for (ProviderConcurrency settings : concurrency) {
			BatchQueue queue = new BatchQueue(settings);
			queues.put(settings.provider(), queue);
			metrics.batchQueued(settings.provider(), queue, BatchQueue::queued);
		}
		this.batchQueues = Collections.unmodifiableMap(queues);
		Map<String, ProviderState> states = new LinkedHashMap<>();
		for (ProviderPacing settings : providers) {
			RetryBudgetSettings budget = settings.retryBudget();
			states.put(settings.provider(),
					new ProviderState(settings,
							budget.enabled() ? new RetryBudget(budget.ratio(), budget.window(),
									budget.minRetriesPerSecond(), clock) : null,
							limiters.create(settings), limiters.createTokenLimiter(settings)));
		}
		this.providers = Collections.unmodifiableMap(states);
		this.clock = clock;
		this.metrics = metrics;
		this.cooldowns = new CooldownPublisher(cooldowns, clock);
	}

	@Override
	public boolean observes(String provider) {
		ProviderState state = this.providers.get(provider);
		return state != null && state.settings().rateLimitHeaders();
	}

	@Override
	public void observe(String provider, String model, Snapshot snapshot, @Nullable SentRequest sent) {
		Target target = new Target(provider, model);
		TargetState state = target(target);
		Instant until = state.update(snapshot, this.clock.instant());
		state.reservations.reported(snapshot, sent, this.clock.instant());
		// A gauge per limit the provider reports, from its first answer that reports it.
		if (!state.requestsGauge && snapshot.requests().remaining() != null) {
			state.requestsGauge = true;
			this.metrics.rateLimitRemaining(target, RateLimitType.REQUESTS, state,
					(s) -> remaining(s, Snapshot::requests));
		}
		if (!state.tokensGauge && snapshot.tokens().remaining() != null) {
			state.tokensGauge = true;
			this.metrics.rateLimitRemaining(target, RateLimitType.TOKENS, state, (s) -> remaining(s, Snapshot::tokens));
		}
		if (until != null) {
			this.cooldowns.rateLimitUsedUp(target, until);
		}
	}

	/**
	 * Return until when a target's rate limit is known to be used up: its headers said
	 * so, or another instance of the application learned it.
	 * @param target the target
	 * @return the instant, or {@code null} if nothing is known to be used up now
	 */
	public @Nullable Instant exhaustedUntil(Target target) {
		TargetState state = this.targets.get(target);
		if (state == null) {
			return null;
		}
		Instant until = state.exhaustedUntil;
		return (until != null && until.isAfter(this.clock.instant())) ? until : null;
	}

	/**
	 * Return what a target's requests hold of its reported rate limits, when its
	 * provider's headers are read or it declares a token limit: the budgets each request
	 * is counted against, and what is in flight.
	 * @param target the target
	 * @return the reservations, or {@code null} if neither applies
	 */
	public @Nullable TargetReservations reservations(Target target) {
		ProviderState provider = this.providers.get(target.provider());
		if (provider == null || !(provider.settings().rateLimitHeaders() || provider.tokenLimiter() != null)) {
			return null;
		}
		return target(target).reservations;
	}

	/**
	 * Return until when what was sent to a target since its last rate-limit report uses
	 * up what that report said was left, so that no request to it goes before the reset:
	 * how a pool's pick knows a member is out before it asks it.
	 * @param target the target
	 * @return the reset, or {@code null} if a request may find room (or requests are not
	 * reserved against its headers)
	 */
	public @Nullable Instant reservedUntil(Target target) {
		if (!reservesAgainstHeaders(target.provider())) {
			return null;
		}
		TargetState state = this.targets.get(target);
		return (state != null) ? state.reservations.heldUntil(this.clock.instant()) : null;
	}

	/**
	 * Return whether a provider's requests are counted against reported or declared
	 * limits one by one, in the client: its headers are read, or it declares a token
	 * limit, or one of its models has a {@code max-input-tokens}.
	 * @param provider the provider's name
	 * @return whether each request is reserved before it is sent
	 */
	public boolean reservesRequests(String provider) {
		ProviderState state = this.providers.get(provider);
		return state != null && (state.settings().rateLimitHeaders() || state.tokenLimiter() != null
				|| !state.settings().maxInputTokens().isEmpty());
	}

	/**
	 * Return whether a provider's requests are counted against what its targets' headers
	 * report: its headers are read and its {@code rate-limit.reservations} is on.
	 * @param provider the provider's name
	 * @return whether requests are reserved against the headers
	 */
	public boolean reservesAgainstHeaders(String provider) {
		ProviderState state = this.providers.get(provider);
		return state != null && state.settings().rateLimitHeaders() && state.settings().reservations();
	}

	/**
	 * Return the declared token limit of a provider.
	 * @param provider the provider's name
	 * @return the limiter, or {@code null} if none is declared
	 */
	public @Nullable TokenLimiter tokenLimiter(String provider) {
		return ofProvider(provider, ProviderState::tokenLimiter);
	}

	/**
	 * Return what a provider's declared token limit reserves for the answer of a request
	 * that sets no {@code max_tokens}.
	 * @param provider the provider's name
	 * @return the tokens
	 */
	public long completionReserve(String provider) {
		ProviderState state = this.providers.get(provider);
		return (state != null) ? state.settings().completionReserve() : ProviderPacing.DEFAULT_COMPLETION_RESERVE;
	}

	/**
	 * Return the largest prompt a target takes ({@code max-input-tokens}).
	 * @param target the target
	 * @return the tokens, or {@code null} if not set
	 */
	public @Nullable Long maxInputTokens(Target target) {
		ProviderState state = this.providers.get(target.provider());
		return (state != null) ? state.settings().maxInputTokens().get(target.model()) : null;
	}

	/**
	 * Return the declared token limits of the providers that have one.
	 * @return the limiters by provider
	 */
	public Map<String, TokenLimiter> tokenLimiters() {
		return present(this.providers, ProviderState::tokenLimiter);
	}

	/**
	 * Return what the requests of every target reserve now.
	 * @return the reservations by target, for the targets that have them
	 */
	public Map<Target, TargetReservations> allReservations() {
		Map<Target, TargetReservations> all = new LinkedHashMap<>();
		this.targets.forEach((target, state) -> {
			if (reservations(target) != null) {
				all.put(target, state.reservations);
			}
		});
		return all;
	}

	/**
	 * Return which limit of a target its last headers said is used up: tokens when only
	 * its tokens are, else requests (also when another instance said so).
	 * @param target the target
	 * @return the limit
	 */
	public RateLimitType exhaustedLimit(Target target) {
		TargetState state = this.targets.get(target);
		Snapshot snapshot = (state != null) ? state.snapshot : null;
		return (snapshot != null && snapshot.tokens().isExhausted() && !snapshot.requests().isExhausted())
				? RateLimitType.TOKENS : RateLimitType.REQUESTS;
	}

	/**
	 * Return whether an attempt to a target may have to wait before it is sent: its rate
	 * limit is known to be used up, or its provider has a declared limit. When not, the
	 * attempt is sent without a look at either.
	 * @param target the target
	 * @return whether to pace the attempt
	 */
	public boolean mayHoldBack(Target target) {
		return exhaustedUntil(target) != null || limiter(target.provider()) != null;
	}

	/**
	 * Hold requests to a target back until an instant, as if its headers had said its
	 * limit is used up until then; a later instant already known wins. Unlike what the
	 * headers say, this is not passed on to the {@link CooldownListener}: it is how
	 * cooldowns received from other instances are applied.
	 * @param target the target
	 * @param until the instant
	 */
	public void exhaustUntil(Target target, Instant until) {
		target(target).exhaustUntil(until);
	}

	/**
	 * Return the last rate-limit snapshot of every target that has sent one.
	 * @return the snapshots by target
	 */
	public Map<Target, Snapshot> snapshots() {
		return present(this.targets, (state) -> state.snapshot);
	}

	/**
	 * Return the retry budget of a provider.
	 * @param provider the provider's name
	 * @return the budget, or {@code null} if retries to it are not limited
	 */
	public @Nullable RetryBudget budget(String provider) {
		return ofProvider(provider, ProviderState::budget);
	}

	/**
	 * Return every provider's retry budget.
	 * @return the budgets by provider, for the providers that have one
	 */
	public Map<String, RetryBudget> budgets() {
		return present(this.providers, ProviderState::budget);
	}

	private <T> @Nullable T ofProvider(String provider, Function<ProviderState, @Nullable T> part) {
		ProviderState state = this.providers.get(provider);
		return (state != null) ? part.apply(state) : null;
	}

	/**
	 * Return a part of every state that has it, by the state's key.
	 */
	private static <K, S, T> Map<K, T> present(Map<K, S> states, Function<S, @Nullable T> part) {
		Map<K, T> parts = new LinkedHashMap<>();
		states.forEach((key, state) -> {
			T value = part.apply(state);
			if (value != null) {
				parts.put(key, value);
			}
		});
		return parts;
	}

	/**
	 * Return the declared request limit of a provider.
	 * @param provider the provider's name
	 * @return the limiter, or {@code null} if none is declared
	 */
	public @Nullable RequestLimiter limiter(String provider) {
		return ofProvider(provider, ProviderState::limiter);
	}

	/**
	 * Return the queue of a provider's batch requests.
	 * @param provider the provider's name
	 * @return the queue, or {@code null} if batch requests to it are not limited
	 */
	public @Nullable BatchQueue batchQueue(String provider) {
		return this.batchQueues.get(provider);
	}

	/**
	 * Return every provider's batch queue.
	 * @return the queues by provider
	 */
	public Map<String, BatchQueue> batchQueues() {
		return this.batchQueues;
	}

	private TargetState target(Target target) {
		TargetState state = this.targets.get(target);
		if (state != null) {
			return state;
		}
		return this.targets.computeIfAbsent(target, (key) -> {
			TargetState created = new TargetState();
			// What is reserved in flight, from the target's first request or report.
			this.metrics.rateLimitReserved(key, RateLimitType.REQUESTS, created.reservations,
					TargetReservations::inFlight);
			this.metrics.rateLimitReserved(key, RateLimitType.TOKENS, created.reservations,
					TargetReservations::tokensInFlight);
			return created;
		});
	}

	private static double remaining(TargetState state, Function<Snapshot, Limit> limit) {
		Snapshot snapshot = state.snapshot;
		Long remaining = (snapshot != null) ? limit.apply(snapshot).remaining() : null;
		return (remaining != null) ? remaining : Double.NaN;
	}

	private record ProviderState(ProviderPacing settings, @Nullable RetryBudget budget,
			@Nullable RequestLimiter limiter, @Nullable TokenLimiter tokenLimiter) {

	}

	/**
	 * What is known of one target's rate limits.
	 */
	private static final class TargetState {

		private final TargetReservations reservations = new TargetReservations();

		private volatile @Nullable Snapshot snapshot;

		private volatile @Nullable Instant exhaustedUntil;

		// Set once, under the gauge registration's own idempotence: a race registers
		// twice, harmlessly.
		private volatile boolean requestsGauge;

		private volatile boolean tokensGauge;

		/**
		 * Keep the snapshot and return until when it says the limit is used up, if it
		 * does.
		 */
		@Nullable Instant update(Snapshot snapshot, Instant now) {
			this.snapshot = snapshot;
			Instant until = snapshot.exhaustedUntil(now);
			if (until != null) {
				exhaustUntil(until);
			}
			return until;
		}

		synchronized void exhaustUntil(Instant until) {
			Instant current = this.exhaustedUntil;
			if (current == null || until.isAfter(current)) {
				this.exhaustedUntil = until;
			}
		}

	}

}
