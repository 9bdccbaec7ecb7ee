package io.github.llmresilience.execution;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.PoolStrategy;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;
import io.github.llmresilience.policy.WhenAllUnavailable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pool slot in virtual time: the pick by weight, in turn or by the fewest attempts in
 * flight, tiers, the wait for the earliest member, the sideways move before waiting, and
 * the slot's attempts counted across its members.
 */
class LlmExecutorPoolTests extends EngineTestSupport {

	static final Target EAST = new Target("azure-east", "gpt-4o-east");

	static final Target WEST = new Target("azure-west", "gpt-4o-west");

	static final Target NORTH = new Target("azure-north", "gpt-4o-north");

	static PoolMember member(Target target, int weight, int tier) {
		return new PoolMember(target, weight, tier, "gpt-4o", null);
	}

	static ResolvedPolicy pool(RetrySettings retry, PoolStrategy strategy, PoolMember... members) {
		return pool(retry, strategy, false, members);
	}

	static ResolvedPolicy pool(RetrySettings retry, PoolStrategy strategy, boolean sticky, PoolMember... members) {
		return pool(retry, strategy, sticky, HedgeSettings.DISABLED, members);
	}

	static ResolvedPolicy pool(RetrySettings retry, PoolStrategy strategy, boolean sticky, HedgeSettings hedge,
			PoolMember... members) {
		TargetSlot slot = new TargetSlot("primary", List.of(members), new TargetSlot.PoolSettings(strategy, sticky));
		return new ResolvedPolicy("summaries", List.of(slot, TargetSlot.single(1, BACKUP)), retry, FALLBACK_ON, null,
				hedge, null, WhenAllUnavailable.FAIL, List.of(), List.of());
	}

	/**
	 * Run calls one after the other, each answered at once.
	 */
	void calls(LlmExecutor executor, ResolvedPolicy policy, int count) {
		StepVerifier.create(Flux.range(0, count).concatMap((i) -> servedCall(executor, policy)))
			.expectNextCount(count)
			.verifyComplete();
	}

	long sentTo(Target target) {
		return targets().stream().filter(target::equals).count();
	}

	@Test
	void weightedPicksFollowTheWeightsWithinFourStandardDeviations() {
		this.random = new SplittableRandom(22);
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, member(EAST, 3, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		int calls = 4000;
		calls(executor, policy, calls);
		double expected = 0.75;
		// A binomial share: its standard deviation is sqrt(p (1 - p) / n).
		double tolerance = 4 * Math.sqrt(expected * (1 - expected) / calls);
		assertThat((double) sentTo(EAST) / calls).isCloseTo(expected, org.assertj.core.data.Offset.offset(tolerance));
		assertThat(sentTo(EAST) + sentTo(WEST)).isEqualTo(calls);
	}

	@Test
	void roundRobinSendsToEachMemberInTurn() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 5, 0), member(NORTH, 1, 0));
		LlmExecutor executor = executor(policy);
		calls(executor, policy, 7);
		assertThat(targets()).containsExactly(EAST, WEST, NORTH, EAST, WEST, NORTH, EAST);
	}

	@Test
	void leastBusySendsToTheMemberWithTheFewestAttemptsInFlight() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.LEAST_BUSY, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		for (int i = 0; i < 10; i++) {
			answer(EAST, Duration.ofSeconds(1), "slow");
			answer(WEST, Duration.ofMillis(10), "fast");
		}
		// A call every 20 ms: east answers in 1 s, west in 10 ms, so west is free each
		// time and east stays busy with the first call.
		StepVerifier
			.withVirtualTime(() -> Flux.range(0, 10)
				.delayElements(Duration.ofMillis(20))
				.flatMap((i) -> servedCall(executor, policy)))
			.thenAwait(Duration.ofSeconds(2))
			.expectNextCount(10)
			.verifyComplete();
		assertThat(targets()).containsExactly(EAST, WEST, WEST, WEST, WEST, WEST, WEST, WEST, WEST, WEST);
	}

	@Test
	void aSecondTierServesOnlyWhileEveryFirstTierMemberIsOutAndIsLeftWhenOneComesBack() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, member(EAST, 1, 0),
				member(WEST, 1, 0), member(NORTH, 1, 1));
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> {
			this.resilience.holdOpen(EAST, this.clock.instant().plus(Duration.ofMinutes(5)));
			this.resilience.holdOpen(WEST, this.clock.instant().plus(Duration.ofMinutes(10)));
			return servedCall(executor, policy).then(servedCall(executor, policy))
				.then(Mono.delay(Duration.ofMinutes(5).plusSeconds(1)))
				.then(servedCall(executor, policy));
		}).thenAwait(Duration.ofMinutes(6)).assertNext((served) -> {
			assertThat(served).isEqualTo(new Served("azure-east", "gpt-4o-east", 1, false));
		}).verifyComplete();
		assertThat(targets()).containsExactly(NORTH, NORTH, EAST);
	}

	@Test
	void aFirstTierMemberPacedForAShortWhileIsWaitedForRatherThanSpilledToTheNextTier() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, member(EAST, 1, 0),
				member(NORTH, 1, 1));
		LlmExecutor executor = executor(policy, provider("azure-east", 0, NO_BUDGET),
				provider("azure-north", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(EAST, this.clock.instant().plusMillis(200));
			return servedCall(executor, policy);
		})
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(199))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("azure-east", "gpt-4o-east", 1, false)))
			.verifyComplete();
		assertThat(targets()).containsExactly(EAST);
		assertThat(count("llm.paced", "provider", "azure-east", "action", "waited")).isEqualTo(1);
	}

	@Test
	void aRateLimitedMemberHandsTheNextAttemptToItsSiblingWithNoWaitWhereALoneTargetWouldWait() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(5)), 1);
		assertServed(executor, policy, Duration.ZERO, new Served("azure-west", "gpt-4o-west", 2, false));
		assertThat(targets()).containsExactly(EAST, WEST);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ZERO);
		assertThat(count("llm.retries", "provider", "azure-east", "reason", "rate-limited")).isEqualTo(1);
	}

	@Test
	void whenEveryMemberIsOutAfterFailuresThenTheNormalWaitApplies() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(3)), 1);
		fail(WEST, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(2)), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(4))
			.assertNext((served) -> assertThat(served.attempts()).isEqualTo(3))
			.verifyComplete();
		assertThat(targets().subList(0, 2)).containsExactly(EAST, WEST);
		// West's own Retry-After, then the pick again: west is back first.
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(2));
		assertThat(targets().get(2)).isEqualTo(WEST);
	}

	@Test
	void theSlotsAttemptsAreCountedAcrossItsMembers() {
		ResolvedPolicy policy = pool(retry(3, Duration.ofSeconds(1)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, status(FailureKind.SERVER_ERROR, 503), 5);
		fail(WEST, status(FailureKind.SERVER_ERROR, 503), 5);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(3))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 4, true)))
			.verifyComplete();
		// East, west at once (sideways), then the backoff after the slot's second
		// attempt, then one more: three for the slot, then the fallback.
		assertThat(targets()).hasSize(4);
		assertThat(targets().subList(0, 2)).containsExactly(EAST, WEST);
		assertThat(targets().get(3)).isEqualTo(BACKUP);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(2),
				Duration.ofSeconds(2));
	}

	@Test
	void aQuotaExhaustedMemberIsOpenedAndTheCallMovesSideways() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, status(FailureKind.QUOTA_EXHAUSTED, 429).errorCode("insufficient_quota"), 1);
		assertServed(executor, policy, Duration.ZERO, new Served("azure-west", "gpt-4o-west", 2, false));
		assertThat(this.resilience.circuitBreaker(EAST).getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	@Test
	void aPromptTooLongDoesNotMoveSideways() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, status(FailureKind.CONTEXT_LENGTH, 400), 1);
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.expectErrorSatisfies(
					(failure) -> assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.CONTEXT_LENGTH))
			.verify();
		assertThat(targets()).containsExactly(EAST);
	}

	@Test
	void whenEveryMembersCircuitIsOpenThenTheNextSlotServesAtOnce() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, member(EAST, 1, 0),
				member(WEST, 1, 1));
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> {
			this.resilience.holdOpen(EAST, this.clock.instant().plus(Duration.ofMinutes(5)));
			this.resilience.holdOpen(WEST, this.clock.instant().plus(Duration.ofMinutes(5)));
			return servedCall(executor, policy);
		})
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 1, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(BACKUP);
	}

	@Test
	void aStickyPoolSendsTheSameKeyToTheSameMember() {
		this.random = new SplittableRandom(7);
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, true, member(EAST, 1, 0),
				member(WEST, 1, 0), member(NORTH, 1, 0));
		LlmExecutor executor = executor(policy);
		List<Served> served = new ArrayList<>();
		for (String key : List.of("conversation-1", "conversation-2")) {
			StepVerifier.create(Flux.range(0, 5)
				.concatMap((i) -> executor.mono(policy, ExecutionOptions.<Served>idempotentCall().withAffinityKey(key),
						(scope) -> Flux.from(attempt(scope)).map((text) -> scope.served()))))
				.recordWith(() -> served)
				.expectNextCount(5)
				.verifyComplete();
		}
		assertThat(targets().subList(0, 5)).containsOnly(targets().get(0));
		assertThat(targets().subList(5, 10)).containsOnly(targets().get(5));
	}

	/**
	 * A hedge goes to another member of the pool (target {@code next}) or to the member
	 * in flight (target {@code same}), and wins.
	 */
	@ParameterizedTest(name = "a hedge with target {0} goes to {1}")
	@CsvSource({ "NEXT, azure-west", "SAME, azure-east" })
	void aHedgeGoesToTheMemberItsTargetNames(HedgeTarget hedgeTarget, String hedgedProvider) {
		Target hedged = hedgedProvider.equals(WEST.provider()) ? WEST : EAST;
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, false,
				new HedgeSettings(true, Duration.ofSeconds(1), hedgeTarget), member(EAST, 1, 0), member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		answer(EAST, Duration.ofSeconds(5), "slow");
		answer(hedged, Duration.ofMillis(100), "fast");
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofMillis(1100))
			.assertNext((served) -> assertThat(served)
				.isEqualTo(new Served(hedged.provider(), hedged.model(), 2, false, true)))
			.verifyComplete();
		assertThat(targets()).containsExactly(EAST, hedged);
		assertThat(hedges()).containsExactly(false, true);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(1));
		assertThat(this.cancelled).containsExactly(EAST);
		assertThat(count("llm.hedges", "from", EAST.name(), "to", hedged.name(), "outcome", "won")).isEqualTo(1);
	}

	@Test
	void bothLegsOfAHedgeCountAgainstTheSlotsAttempts() {
		ResolvedPolicy policy = pool(retry(2, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, false,
				new HedgeSettings(true, Duration.ofSeconds(1), HedgeTarget.NEXT), member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, Duration.ofSeconds(3), status(FailureKind.SERVER_ERROR, 503));
		fail(WEST, Duration.ofMillis(100), status(FailureKind.SERVER_ERROR, 503));
		StepVerifier.withVirtualTime(() -> servedCall(executor, policy))
			.thenAwait(Duration.ofSeconds(3))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 3, true)))
			.verifyComplete();
		// East, then the hedge to west: the slot's two attempts; no third, the backup
		// serves once both legs failed.
		assertThat(targets()).containsExactly(EAST, WEST, BACKUP);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(3));
	}

	@Test
	void aStreamThatFailsBeforeItsFirstChunkMovesSidewaysAndOneThatBreaksAfterItIsInterrupted() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		LlmException reset = LlmException.builder(FailureKind.CONNECTION).requestSent(true).build();
		fail(EAST, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(5)), 1);
		script(WEST, (scope) -> Flux.just("a", "b").concatWith(Flux.error(reset)));
		StepVerifier.withVirtualTime(() -> stream(executor, policy))
			.expectNext("a", "b")
			.expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmStreamInterruptedException.class);
				assertThat(((LlmStreamInterruptedException) error).partialText()).isEqualTo("ab");
			})
			.verify();
		// The pick happened before the first chunk: after it, no other member and no
		// other slot is asked.
		assertThat(targets()).containsExactly(EAST, WEST);
	}

	@Test
	void aMembersRateLimitsWithAServerWaitAreNotHeldAgainstItsCircuit() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(WEST, 1, 0));
		LlmExecutor executor = executor(policy);
		fail(EAST, status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofMillis(10)), 12);
		fail(EAST, status(FailureKind.SERVER_ERROR, 503), 1);
		StepVerifier
			.withVirtualTime(() -> Flux.range(0, 26)
				.concatMap((i) -> Mono.delay(Duration.ofMillis(20)).then(servedCall(executor, policy))))
			.thenAwait(Duration.ofSeconds(5))
			.expectNextCount(26)
			.verifyComplete();
		CircuitBreaker east = this.resilience.circuitBreaker(EAST);
		assertThat(east.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		// Only the 503 counts; the 429s that named their wait are not in the window.
		assertThat(east.getMetrics().getNumberOfFailedCalls()).isOne();
		assertThat(sentTo(EAST)).isGreaterThanOrEqualTo(13);
	}

	@Test
	void aMemberWithNoDeclaredLimitPermitFreeHandsTheAttemptToASiblingWithNoWait() {
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.WEIGHTED, member(EAST, 1, 0),
				member(WEST, 1, 0));
		StepVerifier.withVirtualTime(() -> {
			LlmExecutor executor = executor(policy, provider("azure-east", 1, NO_BUDGET),
					provider("azure-west", 0, NO_BUDGET));
			return servedCall(executor, policy).then(servedCall(executor, policy));
		})
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("azure-west", "gpt-4o-west", 1, false)))
			.verifyComplete();
		// The draw picks east both times; its one permit a minute went to the first call.
		assertThat(targets()).containsExactly(EAST, WEST);
		assertThat(offsets()).containsExactly(Duration.ZERO, Duration.ZERO);
	}

	@Test
	void aSidewaysMoveToAMemberOfAProviderAlreadyAskedIsARetryForItsBudget() {
		Target sibling = new Target("azure-east", "gpt-4o-east-2");
		ResolvedPolicy policy = pool(retry(4, Duration.ofSeconds(2)), PoolStrategy.ROUND_ROBIN, member(EAST, 1, 0),
				member(sibling, 1, 0));
		fail(EAST, status(FailureKind.SERVER_ERROR, 503), 1);
		StepVerifier.withVirtualTime(() -> {
			LlmExecutor executor = executor(policy, provider("azure-east", 0, budget(0)));
			return servedCall(executor, policy);
		})
			.thenAwait(Duration.ofSeconds(3))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("backup", "claude", 2, true)))
			.verifyComplete();
		// azure-east's budget has no retry: neither the sideways move to its other
		// deployment nor a retry after the backoff is sent; the next slot, on another
		// provider, is a first request there.
		assertThat(targets()).containsExactly(EAST, BACKUP);
		assertThat(count("llm.retries.denied", "provider", "azure-east", "reason", "retry-budget")).isPositive();
	}

}
