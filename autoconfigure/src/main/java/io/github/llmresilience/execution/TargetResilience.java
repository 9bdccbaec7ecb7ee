package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.core.Registry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;

/**
 * The Resilience4j instances of every policy and target, created once in the
 * application's (or our) registries: a {@code Retry} named
 * {@code <policy>@<provider>:<model>} per policy and target, and a {@code CircuitBreaker}
 * named {@code <provider>:<model>} per target, shared by every policy.
 *
 * <p>
 * The application's customizers may change any part of their configuration but what the
 * engine relies on, which is set again after them: for a retry, its maximum attempts
 * ({@code max-attempts}), exception predicate and interval function (the engine's retry
 * decisions) and that it does not throw after the last attempt; for a circuit breaker,
 * which failures it records and ignores, its transition on a result (the server-named
 * open state) and its clock. An instance of the same name that something else registered
 * first is an error: it would run without those rules.
 */
public final class TargetResilience {

	// The instances this class created, across registries: another context of the same
	// application (a test) may find them in a shared registry and replace them.
	private static final Set<Object> CREATED = Collections
		.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

	// Slow-call detection is off: a long answer is a long answer, not a failing provider.
	private static final Duration NEVER_SLOW = Duration.ofDays(365);

	private final Map<String, Retry> retries = new HashMap<>();

	// The same retries by policy and target, looked up on every target try without
	// building the name.
	private final Map<String, Map<Target, Retry>> targetRetries = new HashMap<>();

	private final Map<Target, CircuitBreaker> circuitBreakers = new HashMap<>();

	private final Map<Target, OpenUntil> openUntil = new HashMap<>();

	private final Map<String, PoolState> pools = new HashMap<>();

	/**
	 * Create the instances of every policy and target.
	 * @param policies the policies
	 * @param retryRegistry the registry of the retries
	 * @param circuitBreakerRegistry the registry of the circuit breakers
	 * @param clock the clock the circuit breakers time their open state with
	 * @param customizers the application's changes to the instances' configuration, or
	 * {@link ResilienceCustomizers#NONE}
	 * @throws IllegalStateException if a registry already holds an instance of one of the
	 * names that something else created
	 */
	public TargetResilience(LlmPolicies policies, RetryRegistry retryRegistry,
			CircuitBreakerRegistry circuitBreakerRegistry, Clock clock, ResilienceCustomizers customizers) {
		for (ResolvedPolicy policy : policies.all().values()) {
			// A retry per slot (a pool's named after the slot), and one per target of the
			// per-kind chains, which are single targets.
			List<TargetSlot> slots = new ArrayList<>(policy.slots());
			List<Target> chains = new ArrayList<>(policy.onContextLength());
			chains.addAll(policy.onContentFilter());
			for (Target target : chains) {
				slots.add(TargetSlot.single(0, target));
			}
			for (TargetSlot slot : slots) {
				String name = policy.retryName(slot);
				if (this.retries.containsKey(name)) {
					continue;
				}
				RetryConfig config = retryConfig(name, policy.retry(), customizers);
				Retry retry = instance(retryRegistry, "Retry", name, "resilience4j.retry.instances",
						(tags) -> Retry.of(name, config, tags), () -> retryRegistry.retry(name, config));
				this.retries.put(name, retry);
				if (!slot.isPool()) {
					this.targetRetries.computeIfAbsent(policy.name(), (key) -> new HashMap<>())
						.put(slot.target(), retry);
				}
				if (slot.isPool()) {
					this.pools.put(name, new PoolState(policy.name(), slot));
				}
			}
		}
		policies.circuitBreakers().forEach((target, settings) -> {
			if (settings.enabled()) {
				String name = target.name();
				OpenUntil until = new OpenUntil(clock, settings.waitDurationInOpenState());
				CircuitBreakerConfig config = circuitBreakerConfig(name, settings, clock, until, customizers);
				CircuitBreaker circuitBreaker = instance(circuitBreakerRegistry, "CircuitBreaker", name,
						"resilience4j.circuitbreaker.instances", (tags) -> CircuitBreaker.of(name, config, tags),
						() -> circuitBreakerRegistry.circuitBreaker(name, config));
				circuitBreaker.getEventPublisher().onStateTransition(until::onTransition);
				this.circuitBreakers.put(target, circuitBreaker);
				this.openUntil.put(target, until);
			}
		});
	}

	/**
	 * Return the instance of one of our names in a registry: created and registered now,
	 * or replacing one that this class created for another application context.
	 */
	private static <E> E instance(Registry<E, ?> registry, String type, String name, String properties,
			Function<Map<String, String>, E> withTags, Supplier<E> registered) {
		E instance = registry.find(name).map((existing) -> {
			checkCreatedHere(existing, type, name, properties);
			E replacement = withTags.apply(registry.getTags());
			registry.replace(name, replacement);
			return replacement;
		}).orElseGet(registered);
		CREATED.add(instance);
		return instance;
	}

	/**
	 * An instance of one of our names that something else registered first would be
	 * returned by {@code registry.retry(name, config)} in place of ours, and run without
	 * the engine's rules. One that this class created (another application context
	 * sharing the registry) is replaced.
	 */
	private static void checkCreatedHere(Object existing, String type, String name, String properties) {
		if (!CREATED.contains(existing)) {
			throw new ResilienceInstanceConflictException("A Resilience4j " + type + " named '" + name
					+ "' was registered before llm-resilience created its own: llm-resilience would use it without "
					+ "its retry and circuit breaker rules.",
					"Remove the instance '" + name + "' (from " + properties + " or the code that creates it); to "
							+ "change llm-resilience's instance, use the llm.* properties or a " + type
							+ "ConfigCustomizer bean named '" + name + "'.");
		}
	}

	static RetryConfig retryConfig(RetrySettings settings) {
		return retryConfig("", settings, ResilienceCustomizers.NONE);
	}

	private static RetryConfig retryConfig(String name, RetrySettings settings, ResilienceCustomizers customizers) {
		RetryConfig.Builder<Object> builder = RetryConfig.custom();
		customizers.retry().accept(name, builder);
		return builder.maxAttempts(settings.maxAttempts())
			.retryExceptions()
			.ignoreExceptions()
			.retryOnException(AttemptFailure::retryable)
			.intervalBiFunction(AttemptFailure::waitMillis)
			.failAfterMaxAttempts(false)
			.build();
	}

	static CircuitBreakerConfig circuitBreakerConfig(CircuitBreakerSettings settings, Clock clock,
			OpenUntil openUntil) {
		return circuitBreakerConfig("", settings, clock, openUntil, ResilienceCustomizers.NONE);
	}

	private static CircuitBreakerConfig circuitBreakerConfig(String name, CircuitBreakerSettings settings, Clock clock,
			OpenUntil openUntil, ResilienceCustomizers customizers) {
		CircuitBreakerConfig settled = CircuitBreakerConfig.custom()
			.slidingWindowType(SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(settings.slidingWindowSize())
			.minimumNumberOfCalls(settings.minimumNumberOfCalls())
			.failureRateThreshold(settings.failureRateThreshold())
			.waitDurationInOpenState(settings.waitDurationInOpenState())
			.permittedNumberOfCallsInHalfOpenState(settings.permittedCallsInHalfOpenState())
			.slowCallRateThreshold(100)
			.slowCallDurationThreshold(NEVER_SLOW)
			.build();
		// From a built config, so that a customizer may replace the open state's wait
		// with an
		// interval function: the builder accepts only one of the two.
		CircuitBreakerConfig.Builder builder = CircuitBreakerConfig.from(settled);
		customizers.circuitBreaker().accept(name, builder);
		return builder.recordExceptions()
			.ignoreExceptions()
			.recordException(CircuitBreakerRules::recorded)
			.ignoreException(CircuitBreakerRules::ignored)
			.transitionOnResult((result) -> openUntil
				.requested(CircuitBreakerRules.transition(result, settings.waitDurationInOpenState())))
			.clock(clock)
			.build();
	}

	/**
	 * Return the retry of a policy's target.
	 * @param policy the policy
	 * @param target the target
	 * @return the retry
	 */
	public Retry retry(ResolvedPolicy policy, Target target) {
		Map<Target, Retry> byTarget = this.targetRetries.get(policy.name());
		Retry retry = (byTarget != null) ? byTarget.get(target) : null;
		if (retry != null) {
			return retry;
		}
		retry = this.retries.get(policy.retryName(target));
		if (retry == null) {
			throw new IllegalStateException("No retry for " + policy.retryName(target));
		}
		return retry;
	}

	/**
	 * Return the retry of a policy's slot: the target's for a single target, the slot's
	 * own ({@code <policy>@<slot>}) for a pool.
	 * @param policy the policy
	 * @param slot the slot
	 * @return the retry
	 */
	public Retry retry(ResolvedPolicy policy, TargetSlot slot) {
		Retry retry = this.retries.get(policy.retryName(slot));
		if (retry == null) {
			throw new IllegalStateException("No retry for " + policy.retryName(slot));
		}
		return retry;
	}

	/**
	 * Return what a pool slot knows of its members: the attempts in flight to each, and
	 * until when a server asked a member to be left alone.
	 * @param policy the policy
	 * @param slot the slot, a pool
	 * @return the pool's state
	 */
	public PoolState pool(ResolvedPolicy policy, TargetSlot slot) {
		PoolState pool = this.pools.get(policy.retryName(slot));
		if (pool == null) {
			throw new IllegalStateException("No pool for " + policy.retryName(slot));
		}
		return pool;
	}

	/**
	 * Return every pool slot's state.
	 * @return the pools' states
	 */
	public Collection<PoolState> pools() {
		return List.copyOf(this.pools.values());
	}

	/**
	 * Return until when a target's circuit keeps requests out.
	 * @param target the target
	 * @return the instant its open state ends, {@link Instant#MAX} for a circuit forced
	 * open or open for an unknown time, or {@code null} if requests may go
	 */
	@Nullable Instant circuitOpenUntil(Target target) {
		CircuitBreaker circuitBreaker = this.circuitBreakers.get(target);
		if (circuitBreaker == null) {
			return null;
		}
		State state = circuitBreaker.getState();
		if (state == State.FORCED_OPEN) {
			return Instant.MAX;
		}
		if (state != State.OPEN) {
			return null;
		}
		Instant until = openUntil(target);
		return (until != null) ? until : Instant.MAX;
	}

	/**
	 * Open a member's circuit at once after a give-up that says every other request would
	 * fail too (a {@code Retry-After} beyond {@code max-retry-after}, a used-up quota):
	 * until the instant the server named, or for the breaker's own wait when it named
	 * none. A single target's breaker does this on the result of its target's try; a pool
	 * member's breaker wraps single requests and is told here.
	 * @param target the member
	 * @param until the instant the server named, or {@code null}
	 * @return the instant the circuit is open until, or {@code null} if it has no breaker
	 */
	@Nullable Instant openNow(Target target, @Nullable Instant until) {
		OpenUntil open = this.openUntil.get(target);
		if (open == null) {
			return null;
		}
		Instant end = (until != null) ? until : open.clock.instant().plus(open.waitDurationInOpenState);
		holdOpen(target, end);
		return openUntil(target);
	}

	/**
	 * Return the circuit breaker of a target.
	 * @param target the target
	 * @return the circuit breaker, or {@code null} if the target has none
	 */
	public @Nullable CircuitBreaker circuitBreaker(Target target) {
		return this.circuitBreakers.get(target);
	}

	/**
	 * Return whether a target's circuit breaker holds its calls back: open, or forced
	 * open.
	 * @param target the target
	 * @return whether its circuit is open; {@code false} for a target without a circuit
	 * breaker
	 */
	public boolean isOpen(Target target) {
		CircuitBreaker circuitBreaker = this.circuitBreakers.get(target);
		if (circuitBreaker == null) {
			return false;
		}
		CircuitBreaker.State state = circuitBreaker.getState();
		return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
	}

	/**
	 * Return until when a target's circuit stays open.
	 * @param target the target
	 * @return the instant the open state ends, or {@code null} if the circuit is not open
	 */
	public @Nullable Instant openUntil(Target target) {
		OpenUntil until = this.openUntil.get(target);
		return (until != null) ? until.get() : null;
	}

	/**
	 * Open a target's circuit until an instant that another instance of the application
	 * learned from the server (a {@code Retry-After}, a used-up quota), unless it is open
	 * that long already. Nothing is recorded in the breaker's sliding window.
	 * @param target the target
	 * @param until when the circuit may close again
	 * @return whether the circuit was opened, or its open state made longer;
	 * {@code false} if it was open that long already, or the target has no circuit
	 * breaker, or its breaker is disabled, forced open or only counts
	 */
	public boolean holdOpen(Target target, Instant until) {
		CircuitBreaker circuitBreaker = this.circuitBreakers.get(target);
		OpenUntil openUntil = this.openUntil.get(target);
		if (circuitBreaker == null || openUntil == null) {
			return false;
		}
		State state = circuitBreaker.getState();
		if (state != State.CLOSED && state != State.OPEN && state != State.HALF_OPEN) {
			return false;
		}
		Instant current = openUntil.get();
		if (state == State.OPEN && current != null && !until.isAfter(current)) {
			return false;
		}
		openUntil.requested(TransitionCheckResult.transitionToOpenAndWaitUntil(until));
		circuitBreaker.transitionToOpenStateUntil(until);
		// Resilience4j publishes no event for a transition from open to open.
		openUntil.held(until);
		return true;
	}

	/**
	 * Return whether a target's circuit is open because of its own failure rate: not
	 * until an instant its server named (a {@code Retry-After}, a used-up quota, a
	 * cooldown another instance learned), nor forced open.
	 * @param target the target
	 * @return whether its failures opened it
	 */
	public boolean openedByFailures(Target target) {
		CircuitBreaker circuitBreaker = this.circuitBreakers.get(target);
		OpenUntil until = this.openUntil.get(target);
		return circuitBreaker != null && until != null && circuitBreaker.getState() == State.OPEN
				&& !until.serverNamed();
	}

	/**
	 * Return every circuit breaker by target.
	 * @return the circuit breakers
	 */
	public Map<Target, CircuitBreaker> circuitBreakers() {
		return Map.copyOf(this.circuitBreakers);
	}

	/**
	 * Remembers until when a circuit is open, which Resilience4j keeps to itself: the
	 * instant a server named, or the breaker's own wait from the moment it opened.
	 */
	static final class OpenUntil {

		private final Clock clock;

		private final Duration waitDurationInOpenState;

		private final AtomicReference<@Nullable Instant> requested = new AtomicReference<>();

		private volatile @Nullable Instant until;

		private volatile boolean serverNamed;

		OpenUntil(Clock clock, Duration waitDurationInOpenState) {
			this.clock = clock;
			this.waitDurationInOpenState = waitDurationInOpenState;
		}

		TransitionCheckResult requested(TransitionCheckResult result) {
			if (result.isTransitionToOpen()) {
				this.requested.set((result.getWaitUntil() != null) ? result.getWaitUntil()
						: this.clock.instant().plus(result.getWaitDuration()));
			}
			return result;
		}

		void onTransition(CircuitBreakerOnStateTransitionEvent event) {
			State to = event.getStateTransition().getToState();
			Instant requested = this.requested.getAndSet(null);
			if (to == State.OPEN) {
				this.until = (requested != null) ? requested : this.clock.instant().plus(this.waitDurationInOpenState);
				this.serverNamed = requested != null;
			}
			else {
				this.until = null;
				this.serverNamed = false;
			}
		}

		void held(Instant until) {
			this.requested.set(null);
			this.until = until;
			this.serverNamed = true;
		}

		boolean serverNamed() {
			return this.serverNamed;
		}

		@Nullable Instant get() {
			return this.until;
		}

	}

}
