package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;
import io.github.llmresilience.execution.LlmExecutorTests.VirtualClock;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.MicrometerLlmMetrics;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.RetryBudgetSettings;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hedged requests in the engine, with a stubbed transport in virtual time: when the hedge
 * is sent, which leg answers, what is cancelled, how failures of the two legs combine,
 * and what the circuit breakers, the deadline and the counter see. The hedge delay is 2 s
 * throughout.
 */
class LlmExecutorHedgingTests {

	private static final Target PRIMARY = new Target("openai", "gpt-4o");

	private static final Target BACKUP = new Target("backup", "claude");

	private static final Target THIRD = new Target("third", "llama");

	private static final Target FOURTH = new Target("fourth", "mistral");

	private static final Duration DELAY = Duration.ofSeconds(2);

	private static final Set<FailureKind> FALLBACK_ON = EnumSet.of(FailureKind.RATE_LIMITED,
			FailureKind.QUOTA_EXHAUSTED, FailureKind.SERVER_ERROR, FailureKind.TIMEOUT, FailureKind.CONNECTION,
			FailureKind.CONFLICT, FailureKind.CIRCUIT_OPEN, FailureKind.AUTH, FailureKind.NOT_FOUND,
			FailureKind.MALFORMED_RESPONSE);

	private final Map<Target, Deque<Function<AttemptScope, Publisher<String>>>> scripts = new LinkedHashMap<>();

	private final List<Attempt> attempts = new CopyOnWriteArrayList<>();

	private final List<Target> cancelled = new CopyOnWriteArrayList<>();

	private final Clock clock = new VirtualClock();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private TargetResilience resilience;

	private static RetrySettings retry(int maxAttempts, Duration initialBackoff) {
		return new RetrySettings(maxAttempts, Duration.ofSeconds(120), initialBackoff, 2.0, Duration.ofSeconds(30), 0,
				Set.of(408, 409, 429, 500, 502, 503, 504), true, true, true, Duration.ofSeconds(60), List.of());
	}

	private static ResolvedPolicy policy(HedgeTarget hedge, Duration deadline, Target... targets) {
		return policy(retry(1, Duration.ofSeconds(1)), hedge, deadline, targets);
	}

	private static ResolvedPolicy policy(RetrySettings retry, HedgeTarget hedge, Duration deadline, Target... targets) {
		return new ResolvedPolicy("summaries", List.of(targets), retry, FALLBACK_ON, deadline,
				new HedgeSettings(true, DELAY, hedge));
	}

	private LlmExecutor executor(ResolvedPolicy policy, ProviderPacing... pacing) {
		Map<Target, CircuitBreakerSettings> circuitBreakers = new LinkedHashMap<>();
		policy.targets()
			.forEach((target) -> circuitBreakers.put(target,
					new CircuitBreakerSettings(true, 50, 20, 10, Duration.ofSeconds(30), 2)));
		LlmPolicies policies = new LlmPolicies(Map.of(policy.name(), policy), circuitBreakers);
		this.resilience = new TargetResilience(policies, RetryRegistry.ofDefaults(),
				CircuitBreakerRegistry.ofDefaults(), this.clock);
		MicrometerLlmMetrics metrics = new MicrometerLlmMetrics(this.meters);
		LlmObservability observability = new LlmObservability(ObservationRegistry.NOOP, null, null, metrics);
		return new LlmExecutor(this.resilience, this.clock, () -> 0L, observability,
				new Pacing(List.of(pacing), this.clock, metrics));
	}

	/**
	 * A provider whose retry budget allows no retry at all.
	 */
	private static ProviderPacing spentBudget(String provider) {
		return new ProviderPacing(provider, false, 0, new RetryBudgetSettings(true, 0, Duration.ofSeconds(10), 0));
	}

	private void script(Target target, Function<AttemptScope, Publisher<String>> response) {
		this.scripts.computeIfAbsent(target, (key) -> new ArrayDeque<>()).add(response);
	}

	/**
	 * An answer after a delay.
	 */
	private void answer(Target target, Duration after, String text) {
		script(target, (scope) -> Mono.delay(after).map((tick) -> text));
	}

	/**
	 * A failure after a delay.
	 */
	private void fail(Target target, Duration after, LlmException.Builder failure) {
		script(target, (scope) -> Mono.delay(after)
			.then(Mono.error(failure.target(target.provider(), target.model()).build())));
	}

	private Publisher<String> attempt(AttemptScope scope) {
		scope.call().attemptSent();
		this.attempts.add(new Attempt(scope.target(), this.clock.instant(), scope.hedge()));
		Deque<Function<AttemptScope, Publisher<String>>> script = this.scripts.get(scope.target());
		Publisher<String> answer = (script == null || script.isEmpty()) ? Mono.never() : script.poll().apply(scope);
		return Flux.from(answer).doOnCancel(() -> this.cancelled.add(scope.target()));
	}

	private Mono<Served> servedCall(LlmExecutor executor, ResolvedPolicy policy) {
		return executor.mono(policy, ExecutionOptions.idempotentCall(),
				(scope) -> Flux.from(attempt(scope)).map((text) -> scope.served()));
	}

	private Flux<String> stream(LlmExecutor executor, ResolvedPolicy policy) {
		return executor.execute(policy, ExecutionOptions.<String>idempotentCall().withText((text) -> text),
				this::attempt);
	}

	private List<Duration> offsets() {
		Instant first = this.attempts.get(0).at();
		return this.attempts.stream().map((attempt) -> Duration.between(first, attempt.at())).toList();
	}

	private List<Target> targets() {
		return this.attempts.stream().map(Attempt::target).toList();
	}

	private List<Boolean> hedges() {
		return this.attempts.stream().map(Attempt::hedge).toList();
	}

	private double hedgeCount(Target from, Target to, String outcome) {
		Counter counter = this.meters.find("llm.hedges")
			.tags("policy", "summaries", "from", from.name(), "to", to.name(), "outcome", outcome)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private double hedgeCount() {
		return this.meters.find("llm.hedges").counters().stream().mapToDouble(Counter::count).sum();
	}

	private static LlmException.Builder status(FailureKind kind, int status) {
		return LlmException.builder(kind).status(status).requestSent(true);
	}

	@Test
	void whenThePrimaryAnswersBeforeTheDelayThenNoHedgeIsSent() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofMillis(1999), "primary");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(1999))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 1, false, false)))
			.verifyComplete();
		StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofSeconds(10)))
			.thenAwait(Duration.ofSeconds(10))
			.expectNextCount(1)
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
	}

	@Test
	void whenThePrimaryIsSlowThenTheHedgeToTheNextTargetWinsAndThePrimaryIsCancelled() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(BACKUP, Duration.ofMillis(500), "backup");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(2499))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(hedges()).containsExactly(false, true);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY);
		assertThat(this.cancelled).containsExactly(PRIMARY);
		assertThat(hedgeCount(PRIMARY, BACKUP, "won")).isEqualTo(1);
		assertThat(hedgeCount()).isEqualTo(1);
		// The cancelled primary is neither a success nor a failure for its circuit
		// breaker.
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfBufferedCalls()).isZero();
		assertThat(this.resilience.circuitBreaker(BACKUP).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
	}

	@Test
	void whenThePrimaryAnswersFirstAfterTheHedgeWasSentThenTheHedgeIsCancelledAndLoses() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofSeconds(3), "primary");
		answer(BACKUP, Duration.ofSeconds(5), "backup");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(3))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 2, false, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(this.cancelled).containsExactly(BACKUP);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
		assertThat(this.resilience.circuitBreaker(BACKUP).getMetrics().getNumberOfBufferedCalls()).isZero();
	}

	@Test
	void whenTheHedgeTargetIsSameThenTheSecondRequestGoesToTheSameTarget() {
		ResolvedPolicy policy = policy(HedgeTarget.SAME, null, PRIMARY);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofSeconds(30), "slow");
		answer(PRIMARY, Duration.ofMillis(300), "fast");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(2300))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 2, false, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY);
		assertThat(hedgeCount(PRIMARY, PRIMARY, "won")).isEqualTo(1);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
	}

	@Test
	void whenALegFailsWhileTheOtherRunsThenTheOtherStillAnswers() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, Duration.ofMillis(2500), status(FailureKind.SERVER_ERROR, 503));
		answer(BACKUP, Duration.ofSeconds(2), "backup");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(3999))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
		assertThat(hedgeCount(PRIMARY, BACKUP, "won")).isEqualTo(1);
	}

	@Test
	void whenBothLegsFailThenThePolicyGoesOnFromTheLaterFailurePastBothTargets() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP, THIRD);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, Duration.ofSeconds(3), status(FailureKind.SERVER_ERROR, 503));
		fail(BACKUP, Duration.ofSeconds(2), status(FailureKind.RATE_LIMITED, 429));
		answer(THIRD, Duration.ofMillis(100), "third");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(4100))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("third", "llama", 3, true, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, THIRD);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY, Duration.ofSeconds(4));
		assertThat(this.meters.get("llm.fallbacks")
			.tags("from", BACKUP.name(), "to", THIRD.name(), "reason", "rate-limited")
			.counter()
			.count()).isEqualTo(1);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
	}

	@Test
	void whenTheLaterFailureDoesNotFallBackThenTheCallEndsWithItEvenIfTheEarlierOneWould() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP, THIRD);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, Duration.ofMillis(2500), status(FailureKind.SERVER_ERROR, 503));
		fail(BACKUP, Duration.ofSeconds(1), status(FailureKind.BAD_REQUEST, 400));
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(3))
			.expectErrorSatisfies((error) -> {
				assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.BAD_REQUEST);
				assertThat(((LlmException) error).attempts()).isEqualTo(2);
			})
			.verify();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
	}

	@Test
	void whenThePrimaryFailsBeforeTheDelayThenThePolicyFallsBackAsWithoutHedging() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, Duration.ofMillis(100), status(FailureKind.SERVER_ERROR, 503));
		answer(BACKUP, Duration.ofMillis(100), "backup");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(200))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true, false)))
			.verifyComplete();
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofMillis(100));
		assertThat(hedgeCount()).isZero();
	}

	@Test
	void theHedgeRacesAnAttemptInFlightNeverAWaitBetweenAttempts() {
		ResolvedPolicy policy = policy(retry(3, Duration.ofSeconds(5)), HedgeTarget.SAME, null, PRIMARY);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, Duration.ofMillis(100), status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(5)));
		answer(PRIMARY, Duration.ofSeconds(30), "slow retry");
		answer(PRIMARY, Duration.ofMillis(500), "hedge");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(7600))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 3, false, true)))
			.verifyComplete();
		// 5.1 s: the retry the server asked for; 7.1 s: the hedge, 2 s into the retry.
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofMillis(5100), Duration.ofMillis(7100));
		assertThat(hedges()).containsExactly(false, false, true);
	}

	@Test
	void aCallSendsAtMostOneHedge() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP, THIRD, FOURTH);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, Duration.ofMillis(2500), status(FailureKind.SERVER_ERROR, 503));
		fail(BACKUP, Duration.ofMillis(1000), status(FailureKind.SERVER_ERROR, 503));
		answer(THIRD, Duration.ofSeconds(10), "third");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(13))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("third", "llama", 3, true, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, THIRD);
	}

	@Test
	void whenTheHedgeTargetsCircuitIsOpenThenNoHedgeIsSent() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		this.resilience.circuitBreaker(BACKUP).transitionToForcedOpenState();
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(5))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 1, false, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
		assertThat(this.resilience.circuitBreaker(BACKUP).getMetrics().getNumberOfNotPermittedCalls()).isZero();
	}

	@Test
	void aHedgeToAProviderTheCallAlreadyAskedIsARetryThatTheRetryBudgetMayDeny() {
		ResolvedPolicy policy = policy(HedgeTarget.SAME, null, PRIMARY);
		LlmExecutor executor = executor(policy, spentBudget("openai"));
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(5))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 1, false, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
		assertThat(this.meters.get("llm.retries.denied")
			.tags("policy", "summaries", "provider", "openai", "model", "gpt-4o", "reason", "retry-budget")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void aHedgeToAnotherProviderIsAFirstRequestThereAndCountsAgainstNoBudget() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, spentBudget("openai"), spentBudget("backup"));
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(BACKUP, Duration.ofMillis(500), "backup");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(2500))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true, true)))
			.verifyComplete();
		assertThat(this.meters.find("llm.retries.denied").counters()).isEmpty();
	}

	@Test
	void aHedgeToAnotherModelOfTheSameProviderIsARetryCountedOnce() {
		Target sibling = new Target("openai", "gpt-4o-mini");
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, sibling);
		ProviderPacing oneRetry = new ProviderPacing("openai", false, 0,
				new RetryBudgetSettings(true, 0, Duration.ofSeconds(10), 0.1));
		LlmExecutor executor = executor(policy, oneRetry);
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(sibling, Duration.ofMillis(500), "sibling");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(2500))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o-mini", 2, true, true)))
			.verifyComplete();
		assertThat(this.meters.find("llm.retries.denied").counters()).isEmpty();
	}

	@Test
	void aNonIdempotentCallIsNeverHedged() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		StepVerifier
			.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.<String>nonIdempotentCall(), this::attempt))
			.thenAwait(Duration.ofSeconds(5))
			.expectNext("primary")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void aCallWhoseRequestTurnsOutNonIdempotentIsNeverHedged() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		script(PRIMARY, (scope) -> {
			scope.call().nonIdempotentRequest();
			return Mono.delay(Duration.ofSeconds(5)).map((tick) -> "primary");
		});
		StepVerifier
			.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.<String>idempotentCall(), this::attempt))
			.thenAwait(Duration.ofSeconds(5))
			.expectNext("primary")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void attemptsThatCannotRunAtOnceAreNeverHedged() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		StepVerifier
			.withVirtualTime(() -> executor.mono(policy, ExecutionOptions.<String>idempotentCall().withoutHedging(),
					this::attempt))
			.thenAwait(Duration.ofSeconds(5))
			.expectNext("primary")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void theDeadlineEndsBothLegs() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, Duration.ofSeconds(5), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(4999))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmDeadlineExceededException.class);
				assertThat(((LlmException) error).attempts()).isEqualTo(2);
			})
			.verify();
		assertThat(this.cancelled).containsExactlyInAnyOrder(PRIMARY, BACKUP);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
	}

	@Test
	void aHedgeIsNotSentOnceTheDeadlineHasPassed() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, Duration.ofMillis(1500), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(1500))
			.expectError(LlmDeadlineExceededException.class)
			.verify();
		StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofSeconds(10)))
			.thenAwait(Duration.ofSeconds(10))
			.expectNextCount(1)
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
	}

	@Test
	void cancellingTheCallCancelsBothLegs() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(3))
			.thenCancel()
			.verify();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(this.cancelled).containsExactlyInAnyOrder(PRIMARY, BACKUP);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
		for (Target target : List.of(PRIMARY, BACKUP)) {
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			assertThat(circuitBreaker.getMetrics().getNumberOfBufferedCalls()).isZero();
		}
	}

	@Test
	void aStreamIsCommittedToTheLegWhoseFirstContentChunkComesFirst() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		// The primary's first chunk carries no text (a role), so it does not decide the
		// race.
		script(PRIMARY, (scope) -> Flux.concat(Mono.delay(Duration.ofMillis(2500)).map((tick) -> ""),
				Mono.delay(Duration.ofSeconds(5)).map((tick) -> "primary")));
		script(BACKUP, (scope) -> Flux.concat(Mono.delay(Duration.ofSeconds(1)).map((tick) -> "backup-1 "),
				Mono.delay(Duration.ofSeconds(1)).map((tick) -> "backup-2")));
		StepVerifier.withVirtualTime(() -> stream(executor, policy))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(2999))
			.thenAwait(Duration.ofMillis(1))
			.expectNext("backup-1 ")
			.thenAwait(Duration.ofSeconds(1))
			.expectNext("backup-2")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(this.cancelled).containsExactly(PRIMARY);
		assertThat(hedgeCount(PRIMARY, BACKUP, "won")).isEqualTo(1);
	}

	@Test
	void aStreamIsCommittedToTheLegWhoseToolCallComesFirstThoughItCarriesNoText() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		ChatChunk toolCall = new ChatChunk("", "tool_calls", null, null,
				List.of(ToolCall.function("call_1", "weather", "{\"city\":\"Oslo\"}")));
		ChatChunk usage = new ChatChunk("", null, new Usage(12, 9, 21), null);
		ChatChunk backupText = new ChatChunk("backup", "stop", null, null);
		// The primary's tool call comes after the hedge was sent (at 2s) and before the
		// hedge's text (at 3.5s): it commits the stream to the primary.
		Function<AttemptScope, Publisher<ChatChunk>> legs = (scope) -> {
			scope.call().attemptSent();
			Target target = scope.target();
			Flux<ChatChunk> leg = target.equals(PRIMARY)
					? Flux.concat(Mono.delay(Duration.ofSeconds(3)).map((tick) -> toolCall),
							Mono.delay(Duration.ofSeconds(2)).map((tick) -> usage))
					: Mono.delay(Duration.ofMillis(1500)).map((tick) -> backupText).flux();
			return leg.doOnCancel(() -> this.cancelled.add(target));
		};
		StepVerifier
			.withVirtualTime(() -> executor.execute(policy,
					ExecutionOptions.<ChatChunk>idempotentCall().withText(ChatChunk::text), legs))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(2999))
			.thenAwait(Duration.ofMillis(1))
			.expectNext(toolCall)
			.thenAwait(Duration.ofSeconds(2))
			.expectNext(usage)
			.verifyComplete();
		assertThat(this.cancelled).containsExactly(BACKUP);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
	}

	@Test
	void aStreamWhosePrimarySendsTheFirstChunkFirstIsServedByThePrimaryAlone() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		script(PRIMARY, (scope) -> Flux.concat(Mono.delay(Duration.ofMillis(2500)).map((tick) -> "primary-1 "),
				Mono.delay(Duration.ofSeconds(2)).map((tick) -> "primary-2")));
		script(BACKUP, (scope) -> Flux.concat(Mono.delay(Duration.ofSeconds(1)).map((tick) -> "backup-1 "),
				Mono.delay(Duration.ofSeconds(1)).map((tick) -> "backup-2")));
		StepVerifier.withVirtualTime(() -> stream(executor, policy))
			.thenAwait(Duration.ofMillis(2500))
			.expectNext("primary-1 ")
			.thenAwait(Duration.ofSeconds(2))
			.expectNext("primary-2")
			.verifyComplete();
		assertThat(this.cancelled).containsExactly(BACKUP);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
	}

	@Test
	void aLegThatFailsBeforeItsFirstContentIsStillRetried() {
		ResolvedPolicy policy = policy(retry(2, Duration.ofMillis(100)), HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		LlmException reset = LlmException.builder(FailureKind.CONNECTION)
			.target(BACKUP.provider(), BACKUP.model())
			.requestSent(true)
			.build();
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		// The hedge's first attempt sends an empty chunk, then breaks: nothing was
		// delivered.
		script(BACKUP, (scope) -> Flux.just("").concatWith(Mono.delay(Duration.ofMillis(100)).then(Mono.error(reset))));
		answer(BACKUP, Duration.ofMillis(100), "backup");
		StepVerifier.withVirtualTime(() -> stream(executor, policy))
			.thenAwait(Duration.ofMillis(2300))
			.expectNext("backup")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, BACKUP);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY, Duration.ofMillis(2200));
	}

	private record Attempt(Target target, Instant at, boolean hedge) {

	}

}
