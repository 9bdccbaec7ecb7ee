package io.github.llmresilience.execution;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
import static org.junit.jupiter.params.provider.Arguments.arguments;

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

	/**
	 * The race of the primary and its hedge to the next target, sent after the delay: the
	 * first to answer serves, the other is cancelled, and the cancelled leg is neither a
	 * success nor a failure for its circuit breaker.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("races")
	void theFirstLegToAnswerServesAndTheOtherIsCancelled(String name, Duration primaryAnswersAfter,
			Duration backupAnswersAfter, Duration servedAt, Served served, Target loser, String outcome) {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		answer(PRIMARY, primaryAnswersAfter, "primary");
		answer(BACKUP, backupAnswersAfter, "backup");
		assertServedAt(executor, policy, servedAt, served);
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(hedges()).containsExactly(false, true);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY);
		assertThat(this.cancelled).containsExactly(loser);
		assertThat(hedgeCount(PRIMARY, BACKUP, outcome)).isEqualTo(1);
		assertThat(hedgeCount()).isEqualTo(1);
		Target winner = loser.equals(PRIMARY) ? BACKUP : PRIMARY;
		assertThat(this.resilience.circuitBreaker(loser).getMetrics().getNumberOfBufferedCalls()).isZero();
		assertThat(this.resilience.circuitBreaker(winner).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
	}

	static Stream<Arguments> races() {
		return Stream.of(
				arguments("the primary is slow: the hedge to the next target wins and the primary is cancelled",
						Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofMillis(2500),
						new Served("backup", "claude", 2, true, true), PRIMARY, "won"),
				arguments("the primary answers first after the hedge was sent: the hedge is cancelled and loses",
						Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(3),
						new Served("openai", "gpt-4o", 2, false, false), BACKUP, "lost"));
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

	/**
	 * A primary that fails, after the hedge was sent or before: the backup serves.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("primaryFailures")
	void whenThePrimaryFailsThenTheBackupServes(String name, Duration primaryFailsAfter, Duration backupAnswersAfter,
			Duration servedAt, Served served, Duration backupSentAt, int hedges) {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, primaryFailsAfter, status(FailureKind.SERVER_ERROR, 503));
		answer(BACKUP, backupAnswersAfter, "backup");
		assertServedAt(executor, policy, servedAt, served);
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(offsets()).containsExactly(Duration.ZERO, backupSentAt);
		assertThat(this.resilience.circuitBreaker(PRIMARY).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
		assertThat(hedgeCount(PRIMARY, BACKUP, "won")).isEqualTo(hedges);
		assertThat(hedgeCount()).isEqualTo(hedges);
	}

	static Stream<Arguments> primaryFailures() {
		return Stream.of(
				arguments("a leg fails while the other runs: the other still answers", Duration.ofMillis(2500),
						Duration.ofSeconds(2), Duration.ofMillis(4000), new Served("backup", "claude", 2, true, true),
						DELAY, 1),
				arguments("the primary fails before the delay: the policy falls back as without hedging",
						Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(200),
						new Served("backup", "claude", 2, true, false), Duration.ofMillis(100), 0));
	}

	/**
	 * Both legs fail, the primary first: the policy goes on from the later failure, past
	 * both targets, and sends no second hedge even when the next target is slow.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("bothLegsFailing")
	void whenBothLegsFailThenThePolicyGoesOnFromTheLaterFailurePastBothTargets(String name, Duration primaryFailsAfter,
			Duration backupFailsAfter, LlmException.Builder backupFailure, Duration thirdAnswersAfter,
			Duration thirdSentAt, Duration servedAfter, String reason) {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP, THIRD, FOURTH);
		LlmExecutor executor = executor(policy);
		fail(PRIMARY, primaryFailsAfter, status(FailureKind.SERVER_ERROR, 503));
		fail(BACKUP, backupFailsAfter, backupFailure);
		answer(THIRD, thirdAnswersAfter, "third");
		assertServed(executor, policy, servedAfter, new Served("third", "llama", 3, true, false));
		assertThat(targets()).containsExactly(PRIMARY, BACKUP, THIRD);
		assertThat(offsets()).containsExactly(Duration.ZERO, DELAY, thirdSentAt);
		assertThat(count("llm.fallbacks", "from", BACKUP.name(), "to", THIRD.name(), "reason", reason)).isEqualTo(1);
		assertThat(hedgeCount(PRIMARY, BACKUP, "lost")).isEqualTo(1);
	}

	static Stream<Arguments> bothLegsFailing() {
		return Stream.of(
				arguments("the third target answers at once", Duration.ofSeconds(3), Duration.ofSeconds(2),
						status(FailureKind.RATE_LIMITED, 429), Duration.ofMillis(100), Duration.ofSeconds(4),
						Duration.ofMillis(4100), "rate-limited"),
				arguments("the third target is slower than the delay: a call sends at most one hedge",
						Duration.ofMillis(2500), Duration.ofSeconds(1), status(FailureKind.SERVER_ERROR, 503),
						Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(13), "server-error"));
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

	/**
	 * A hedge that the retry budget allows is sent, wins, and no retry is denied.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("hedgesTheBudgetAllows")
	void aHedgeTheRetryBudgetAllowsIsSentAndNoRetryIsDenied(String name, Target hedged, List<ProviderPacing> pacing,
			Served served) {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, hedged);
		LlmExecutor executor = executor(policy, pacing.toArray(ProviderPacing[]::new));
		answer(PRIMARY, Duration.ofSeconds(30), "primary");
		answer(hedged, Duration.ofMillis(500), "hedge");
		assertServed(executor, policy, Duration.ofMillis(2500), served);
		assertThat(this.meters.find("llm.retries.denied").counters()).isEmpty();
	}

	static Stream<Arguments> hedgesTheBudgetAllows() {
		return Stream.of(
				arguments("a hedge to another provider is a first request there and counts against no budget", BACKUP,
						List.of(spentBudget("openai"), spentBudget("backup")),
						new Served("backup", "claude", 2, true, true)),
				arguments("a hedge to another model of the same provider is a retry counted once", SAME_PROVIDER,
						List.of(new ProviderPacing("openai", false, 0,
								new RetryBudgetSettings(true, 0, Duration.ofSeconds(10), 0.1))),
						new Served("openai", "gpt-4o-mini", 2, true, true)));
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

	/**
	 * A stream is committed to the leg whose first chunk with content comes first; the
	 * backup's two chunks come 1 s apart from 1 s after the hedge was sent.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("streamRaces")
	void aStreamIsCommittedToTheLegWhoseFirstContentChunkComesFirst(String name,
			Function<AttemptScope, Publisher<String>> primary, Duration firstAt, String first, Duration gap,
			String second, Target loser, String outcome) {
		ResolvedPolicy policy = policy(HedgeTarget.NEXT, null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		script(PRIMARY, primary);
		script(BACKUP, (scope) -> twoChunks(Duration.ofSeconds(1), "backup-1 ", Duration.ofSeconds(1), "backup-2"));
		StepVerifier.withVirtualTime(() -> stream(executor, policy))
			.expectSubscription()
			.expectNoEvent(firstAt.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectNext(first)
			.thenAwait(gap)
			.expectNext(second)
			.verifyComplete();
		assertThat(targets()).containsExactly(PRIMARY, BACKUP);
		assertThat(this.cancelled).containsExactly(loser);
		assertThat(hedgeCount(PRIMARY, BACKUP, outcome)).isEqualTo(1);
	}

	static Stream<Arguments> streamRaces() {
		Function<AttemptScope, Publisher<String>> roleFirst = (scope) -> twoChunks(Duration.ofMillis(2500), "",
				Duration.ofSeconds(5), "primary");
		Function<AttemptScope, Publisher<String>> textFirst = (scope) -> twoChunks(Duration.ofMillis(2500),
				"primary-1 ", Duration.ofSeconds(2), "primary-2");
		return Stream
			.of(arguments("the primary's first chunk carries no text (a role): the backup's text decides the race",
					roleFirst, Duration.ofMillis(3000), "backup-1 ", Duration.ofSeconds(1), "backup-2", PRIMARY, "won"),
					arguments("the primary sends the first text: it serves the stream alone", textFirst,
							Duration.ofMillis(2500), "primary-1 ", Duration.ofSeconds(2), "primary-2", BACKUP, "lost"));
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
