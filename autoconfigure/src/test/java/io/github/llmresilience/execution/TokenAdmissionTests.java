package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.RetryDecision.Reason;
import io.github.llmresilience.execution.TargetAdmission.Reservation;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.TokenEstimator.Estimate;
import io.github.llmresilience.policy.RetrySettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a request holds of its provider's declared token limit and its target's context,
 * in virtual time: the bucket's arithmetic, the settlement by the answer's usage, and the
 * targets a request can never fit.
 */
class TokenAdmissionTests extends EngineTestSupport {

	private static final RetrySettings WAITS_UP_TO_A_MINUTE = retry(4, Duration.ofSeconds(2));

	// 1,500 prompt tokens and max_tokens 500: 2,000 reserved.
	private static final TargetAdmission.Estimates TWO_THOUSAND = TargetAdmission.Estimates
		.of(() -> new Estimate(1500, 500));

	/**
	 * 6,000 tokens per minute: the bucket holds 6,000 and refills 100 a second.
	 */
	private static ProviderPacing sixThousandPerMinute() {
		return new ProviderPacing("openai", false, 0, NO_BUDGET, 6000, 1000, Map.of(), true);
	}

	private TargetAdmission admission(ProviderPacing provider) {
		return new TargetAdmission(pacing(provider), new RetryDecider(this.clock, () -> 0L), this.clock, this.metrics);
	}

	private AttemptScope scope(RetrySettings retry) {
		return new AttemptScope(new CallState(policy(retry, null, PRIMARY), true, this.clock.instant()), PRIMARY, 0, 1);
	}

	/**
	 * Reserve requests one after the other, each kept (no usage reported), and emit when
	 * each may go.
	 */
	private Flux<Duration> reserved(TargetAdmission admission, int requests) {
		Instant start = this.clock.instant();
		return Flux.range(1, requests)
			.concatMap((i) -> admission.reserve(scope(WAITS_UP_TO_A_MINUTE), TWO_THOUSAND).map((reservation) -> {
				reservation.settle(null);
				return Duration.between(start, this.clock.instant());
			}));
	}

	/**
	 * Reserve 2,000 tokens twice at 6,000 a minute, end the two reservations as given,
	 * then reserve three more as {@link #reserved} does, and emit when each of the three
	 * may go, from the start.
	 */
	private Flux<Duration> threeAfterTwoThatEnd(Consumer<Reservation> first, Consumer<Reservation> second) {
		TargetAdmission admission = admission(sixThousandPerMinute());
		Instant start = this.clock.instant();
		Mono<Reservation> one = admission.reserve(scope(WAITS_UP_TO_A_MINUTE), TWO_THOUSAND);
		Mono<Reservation> two = admission.reserve(scope(WAITS_UP_TO_A_MINUTE), TWO_THOUSAND);
		return one.doOnNext(first)
			.then(two.doOnNext(second))
			.thenMany(reserved(admission, 3))
			.map((at) -> Duration.between(start, this.clock.instant()));
	}

	@Test
	void aDeclaredTokenLimitSpacesRequestsAsItsArithmeticSays() {
		// Three of 2,000 fit the full bucket; each next one waits for 2,000 tokens, 20 s.
		StepVerifier.withVirtualTime(() -> reserved(admission(sixThousandPerMinute()), 5))
			.expectSubscription()
			.expectNext(Duration.ZERO, Duration.ZERO, Duration.ZERO)
			.expectNoEvent(Duration.ofSeconds(20).minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectNext(Duration.ofSeconds(20))
			.expectNoEvent(Duration.ofSeconds(20).minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectNext(Duration.ofSeconds(40))
			.verifyComplete();
		assertThat(count("llm.paced", "provider", "openai", "action", "waited", "limit", "tokens")).isEqualTo(2);
	}

	@Test
	void anAnswersUsageGivesBackWhatItDidNotUseOrTakesWhatItUsedMore() {
		// The first used 500 of its 2,000, the second 3,000: 1,500 back, 1,000 more
		// taken. The bucket holds 6,000 - 2,000 - 2,000 + 1,500 - 1,000 = 2,500.
		StepVerifier
			.withVirtualTime(() -> threeAfterTwoThatEnd((reservation) -> reservation.settle(500L),
					(reservation) -> reservation.settle(3000L)))
			// 2,500 fit one of 2,000 at once; the next needs 1,500 more (15 s), the last
			// 2,000 (20 s).
			.expectSubscription()
			.expectNext(Duration.ZERO)
			.thenAwait(Duration.ofSeconds(15))
			.expectNext(Duration.ofSeconds(15))
			.thenAwait(Duration.ofSeconds(20))
			.expectNext(Duration.ofSeconds(35))
			.verifyComplete();
	}

	@Test
	void aRequestNeverSentGivesEverythingBackAndAnErrorAnswerKeepsItsEstimate() {
		// The first was never sent, the second had an error answer.
		StepVerifier
			.withVirtualTime(() -> threeAfterTwoThatEnd(
					(reservation) -> reservation
						.failed(LlmException.builder(FailureKind.CONNECTION).requestSent(false).build()),
					(reservation) -> reservation
						.failed(LlmException.builder(FailureKind.SERVER_ERROR).status(500).requestSent(true).build())))
			// 6,000 - 2,000 (the error answer's, kept): two at once, the third in 20 s.
			.expectSubscription()
			.expectNext(Duration.ZERO, Duration.ZERO)
			.thenAwait(Duration.ofSeconds(20))
			.expectNext(Duration.ofSeconds(20))
			.verifyComplete();
	}

	@Test
	void aWaitLongerThanThePolicyAllowsSkipsTheTargetAndTakesNothing() {
		RetrySettings tenSeconds = retry(4, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(10));
		StepVerifier.withVirtualTime(() -> {
			TargetAdmission admission = admission(sixThousandPerMinute());
			return reserved(admission, 3).thenMany(admission.reserve(scope(tenSeconds), TWO_THOUSAND));
		}).expectSubscription().expectErrorSatisfies((error) -> {
			assertThat(AttemptFailure.decisionOf(error).reason()).isEqualTo(Reason.PACED);
			LlmException failure = (LlmException) AttemptFailure.unwrap(error);
			assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
			assertThat(failure.requestSent()).isFalse();
			assertThat(failure.getMessage()).contains("tokens-per-minute");
		}).verify();
		assertThat(count("llm.paced", "action", "skipped", "limit", "tokens")).isEqualTo(1);
	}

	@Test
	void aRequestLargerThanTheDeclaredLimitIsPassedOverAsContextLength() {
		TargetAdmission admission = admission(sixThousandPerMinute());
		StepVerifier
			.withVirtualTime(() -> admission.reserve(scope(WAITS_UP_TO_A_MINUTE),
					TargetAdmission.Estimates.of(() -> new Estimate(5500, 600))))
			.expectErrorSatisfies((error) -> {
				LlmException failure = (LlmException) AttemptFailure.unwrap(error);
				assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH);
				assertThat(failure.requestSent()).isFalse();
				assertThat(PacedException.passedOver(failure)).isTrue();
				assertThat(failure.getMessage()).contains("can never fit");
			})
			.verify();
		assertThat(count("llm.paced", "action", "skipped", "limit", "context")).isEqualTo(1);
	}

	@Test
	void aPromptAboveMaxInputTokensWithItsMarginPassesTheTargetOver() {
		TargetAdmission admission = admission(
				new ProviderPacing("openai", false, 0, NO_BUDGET, 0, 1000, Map.of(PRIMARY.model(), 1000L), true));
		// 950 + 5 % = 998 fits 1,000; 960 + 5 % = 1,008 does not.
		StepVerifier
			.withVirtualTime(() -> admission.reserve(scope(WAITS_UP_TO_A_MINUTE),
					TargetAdmission.Estimates.of(() -> new Estimate(950, null))))
			.expectNextCount(1)
			.verifyComplete();
		StepVerifier
			.withVirtualTime(() -> admission.reserve(scope(WAITS_UP_TO_A_MINUTE),
					TargetAdmission.Estimates.of(() -> new Estimate(960, null))))
			.expectErrorSatisfies((error) -> {
				LlmException failure = (LlmException) AttemptFailure.unwrap(error);
				assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH);
				assertThat(failure.getMessage()).contains("max-input-tokens").doesNotContain("Summarise");
			})
			.verify();
		assertThat(count("llm.paced", "provider", "openai", "action", "skipped", "limit", "context")).isEqualTo(1);
	}

}
