package io.github.llmresilience.execution;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.RetryBudgetSettings;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
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
class LlmExecutorHedgingTests extends EngineTestSupport {

	private static final Duration DELAY = Duration.ofSeconds(2);

	private static ResolvedPolicy policy(HedgeTarget hedge, Duration deadline, Target... targets) {
		return policy(retry(1, Duration.ofSeconds(1)), hedge, deadline, targets);
	}

	private static ResolvedPolicy policy(RetrySettings retry, HedgeTarget hedge, Duration deadline, Target... targets) {
		return new ResolvedPolicy("summaries", List.of(targets), retry, FALLBACK_ON, deadline,
				new HedgeSettings(true, DELAY, hedge));
	}

	/**
	 * A provider whose retry budget allows no retry at all.
	 */
	private static ProviderPacing spentBudget(String provider) {
		return new ProviderPacing(provider, false, 0, budget(0));
	}

	/**
	 * An attempt without a script never answers: the race decides.
	 */
	@Override
	Publisher<String> unscripted(Target target) {
		return Mono.never();
	}

	/**
	 * A stream of two chunks, each after its delay.
	 */
	private static Publisher<String> twoChunks(Duration first, String chunk, Duration second, String next) {
		return Flux.concat(Mono.delay(first).map((tick) -> chunk), Mono.delay(second).map((tick) -> next));
	}

	private double hedgeCount(Target from, Target to, String outcome) {
		return count("llm.hedges", "policy", "summaries", "from", from.name(), "to", to.name(), "outcome", outcome);
	}

	private double hedgeCount() {
		return count("llm.hedges");
	}

	@Test
	void whenThePrimaryAnswersBeforeTheDelayThenNoHedgeIsSent() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofMillis(1999), "primary");
		assertServed(executor, policy, Duration.ofMillis(1999), new Served("openai", "gpt-4o", 1, false, false),
				Duration.ofSeconds(10));
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
	}

	@Test
	void whenThePrimaryIsSlowThenTheHedgeToTheNextTargetWinsAndThePrimaryIsCancelled() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(BACKUP, Duration.ofMillis(500), "backup");
		assertServedAt(executor, policy, Duration.ofMillis(2500), new Served("backup", "claude", 2, true, true));
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
		assertServed(executor, policy, Duration.ofSeconds(3), new Served("openai", "gpt-4o", 2, false, false));
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
		assertServed(executor, policy, Duration.ofMillis(2300), new Served("openai", "gpt-4o", 2, false, true));
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
		assertServedAt(executor, policy, Duration.ofMillis(4000), new Served("backup", "claude", 2, true, true));
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
		assertServed(executor, policy, Duration.ofMillis(4100), new Served("third", "llama", 3, true, false));
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, THIRD);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY, Duration.ofSeconds(4));
		assertThat(count("llm.fallbacks", "from", BACKUP.name(), "to", THIRD.name(), "reason", "rate-limited"))
			.isEqualTo(1);
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
		assertServed(executor, policy, Duration.ofMillis(200), new Served("backup", "claude", 2, true, false));
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
		assertServed(executor, policy, Duration.ofMillis(7600), new Served("openai", "gpt-4o", 3, false, true));
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
		assertServed(executor, policy, Duration.ofSeconds(13), new Served("third", "llama", 3, true, false));
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, THIRD);
	}

	@Test
	void whenTheHedgeTargetsCircuitIsOpenThenNoHedgeIsSent() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		this.resilience.circuitBreaker(BACKUP).transitionToForcedOpenState();
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		assertServed(executor, policy, Duration.ofSeconds(5), new Served("openai", "gpt-4o", 1, false, false));
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
		assertThat(this.resilience.circuitBreaker(BACKUP).getMetrics().getNumberOfNotPermittedCalls()).isZero();
	}

	@Test
	void aHedgeToAProviderTheCallAlreadyAskedIsARetryThatTheRetryBudgetMayDeny() {
		ResolvedPolicy policy = policy(HedgeTarget.SAME, null, PRIMARY);
		LlmExecutor executor = executor(policy, spentBudget("openai"));
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		assertServed(executor, policy, Duration.ofSeconds(5), new Served("openai", "gpt-4o", 1, false, false));
		assertThat(targets()).containsExactly(PRIMARY);
		assertThat(hedgeCount()).isZero();
		assertThat(count("llm.retries.denied", "policy", "summaries", "provider", "openai", "model", "gpt-4o", "reason",
				"retry-budget"))
			.isEqualTo(1);
	}

	@Test
	void aHedgeToAnotherProviderIsAFirstRequestThereAndCountsAgainstNoBudget() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy, spentBudget("openai"), spentBudget("backup"));
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(BACKUP, Duration.ofMillis(500), "backup");
		assertServed(executor, policy, Duration.ofMillis(2500), new Served("backup", "claude", 2, true, true));
		assertThat(this.meters.find("llm.retries.denied").counters()).isEmpty();
	}

	@Test
	void aHedgeToAnotherModelOfTheSameProviderIsARetryCountedOnce() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, SAME_PROVIDER);
		ProviderPacing oneRetry = new ProviderPacing("openai", false, 0,
				new RetryBudgetSettings(true, 0, Duration.ofSeconds(10), 0.1));
		LlmExecutor executor = executor(policy, oneRetry);
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(SAME_PROVIDER, Duration.ofMillis(500), "sibling");
		assertServed(executor, policy, Duration.ofMillis(2500), new Served("openai", "gpt-4o-mini", 2, true, true));
		assertThat(this.meters.find("llm.retries.denied").counters()).isEmpty();
	}

	@Test
	void aNonIdempotentCallIsNeverHedged() {
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		assertNotHedged(ExecutionOptions.nonIdempotentCall());
	}

	@Test
	void aCallWhoseRequestTurnsOutNonIdempotentIsNeverHedged() {
		script(PRIMARY, (scope) -> {
			scope.call().nonIdempotentRequest();
			return Mono.delay(Duration.ofSeconds(5)).map((tick) -> "primary");
		});
		assertNotHedged(ExecutionOptions.idempotentCall());
	}

	@Test
	void attemptsThatCannotRunAtOnceAreNeverHedged() {
		answer(PRIMARY, Duration.ofSeconds(5), "primary");
		assertNotHedged(ExecutionOptions.<String>idempotentCall().withoutHedging());
	}

	/**
	 * Assert that a call whose primary answers after 5 s, well after the hedge's delay,
	 * is answered by the primary alone.
	 */
	private void assertNotHedged(ExecutionOptions<String> options) {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> executor.mono(policy, options, this::attempt))
			.thenAwait(Duration.ofSeconds(5))
			.expectNext("primary")
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY);
	}

	@Test
	void theDeadlineEndsBothLegs() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, Duration.ofSeconds(5), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		assertFailsAt(executor, policy, Duration.ofMillis(5000), (error) -> {
			assertThat(error).isInstanceOf(LlmDeadlineExceededException.class);
			assertThat(((LlmException) error).attempts()).isEqualTo(2);
		});
		assertThat(this.cancelled).containsExactlyInAnyOrder(PRIMARY, BACKUP);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
	}

	@Test
	void aHedgeIsNotSentOnceTheDeadlineHasPassed() {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, Duration.ofMillis(1500), PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		StepVerifier.withVirtualTime(() -> idleAfter(servedCall(executor, policy), Duration.ofSeconds(10)))
			.thenAwait(Duration.ofMillis(11_500))
			.expectError(LlmDeadlineExceededException.class)
			.verify();
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
		script(PRIMARY, (scope) -> twoChunks(Duration.ofMillis(2500), "", Duration.ofSeconds(5), "primary"));
		script(BACKUP, (scope) -> twoChunks(Duration.ofSeconds(1), "backup-1 ", Duration.ofSeconds(1), "backup-2"));
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
		script(PRIMARY,
				(scope) -> twoChunks(Duration.ofMillis(2500), "primary-1 ", Duration.ofSeconds(2), "primary-2"));
		script(BACKUP, (scope) -> twoChunks(Duration.ofSeconds(1), "backup-1 ", Duration.ofSeconds(1), "backup-2"));
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

}
