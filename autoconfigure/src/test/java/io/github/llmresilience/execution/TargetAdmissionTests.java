package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.RetryDecision.Reason;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.RetryBudget;
import io.github.llmresilience.pacing.RetryBudgetSettings;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What decides whether a request may go now, in virtual time and without an executor: a
 * target whose rate limit is known to be used up, a declared request limit, and the retry
 * budget of a provider for retries, fallbacks and hedges.
 */
class TargetAdmissionTests extends EngineTestSupport {

	private static final RetrySettings WAITS_UP_TO_A_MINUTE = retry(4, Duration.ofSeconds(2));

	private final AtomicInteger sent = new AtomicInteger();

	private TargetAdmission admission(ProviderPacing... providers) {
		return new TargetAdmission(pacing(providers), new RetryDecider(this.clock, () -> 0L), this.clock, this.metrics);
	}

	private CallState call(RetrySettings retry, Target... targets) {
		return new CallState(policy(retry, null, targets), true, this.clock.instant());
	}

	/**
	 * An attempt that emits when it is sent.
	 */
	private Mono<Instant> admitted(TargetAdmission admission, CallState call, Target target) {
		AttemptScope scope = new AttemptScope(call, target, 0, 1);
		Flux<Instant> attempt = Flux.defer(() -> {
			this.sent.incrementAndGet();
			return Mono.just(this.clock.instant());
		});
		return admission.admit(scope, this.clock.instant(), attempt).single();
	}

	@Test
	void aTargetKnownToBeUsedUpIsWaitedForWhenThePolicyAllowsTheWait() {
		TargetAdmission admission = admission(provider("openai", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plusSeconds(20));
			return admitted(admission, call(WAITS_UP_TO_A_MINUTE, PRIMARY), PRIMARY);
		})
			.expectSubscription()
			.expectNoEvent(Duration.ofSeconds(20))
			.expectNext(Instant.EPOCH.plusSeconds(20))
			.verifyComplete();
		assertThat(count("llm.paced", "provider", "openai", "model", "gpt-4o", "action", "waited")).isEqualTo(1);
	}

	@Test
	void aTargetUsedUpForLongerThanMaxRetryAfterIsGivenUpWithoutSendingAnything() {
		TargetAdmission admission = admission(provider("openai", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plus(Duration.ofMinutes(6)));
			return admitted(admission, call(WAITS_UP_TO_A_MINUTE, PRIMARY), PRIMARY);
		}).expectErrorSatisfies((error) -> {
			assertThat(AttemptFailure.decisionOf(error).reason()).isEqualTo(Reason.PACED);
			LlmException failure = (LlmException) AttemptFailure.unwrap(error);
			assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
			assertThat(failure.requestSent()).isFalse();
			assertThat(failure.retryAfter()).isEqualTo(Duration.ofMinutes(6));
			assertThat(failure.getMessage()).contains("used up until");
			assertThat(failure.getCause()).isInstanceOf(PacedException.class);
		}).verify();
		assertThat(this.sent).hasValue(0);
		assertThat(count("llm.paced", "provider", "openai", "model", "gpt-4o", "action", "skipped")).isEqualTo(1);
	}

	@Test
	void theWaitForAUsedUpTargetMustEndBeforeTheTargetsMaxElapsed() {
		RetrySettings shortTarget = retry(4, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(60));
		TargetAdmission admission = admission(provider("openai", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plusSeconds(20));
			return admitted(admission, call(shortTarget, PRIMARY), PRIMARY);
		}).expectError(AttemptFailure.class).verify();
		assertThat(this.sent).hasValue(0);
	}

	@Test
	void theWaitForAUsedUpTargetMustEndBeforeTheCallsDeadline() {
		TargetAdmission admission = admission(provider("openai", 0, NO_BUDGET));
		StepVerifier.withVirtualTime(() -> {
			this.pacing.exhaustUntil(PRIMARY, this.clock.instant().plusSeconds(20));
			CallState call = new CallState(policy(WAITS_UP_TO_A_MINUTE, Duration.ofSeconds(5), PRIMARY), true,
					this.clock.instant());
			return admitted(admission, call, PRIMARY);
		}).expectError(AttemptFailure.class).verify();
		assertThat(this.sent).hasValue(0);
		assertThat(count("llm.paced", "action", "skipped")).isEqualTo(1);
	}

	@Test
	void aDeclaredLimitWithNoPermitFreeWithinMaxRetryAfterSkipsTheTarget() {
		RetrySettings waitsTenSeconds = retry(4, Duration.ofSeconds(2), Duration.ofSeconds(120),
				Duration.ofSeconds(10));
		StepVerifier.withVirtualTime(() -> {
			// One request a minute: the second waits a minute for its permit.
			TargetAdmission admission = admission(provider("openai", 1, NO_BUDGET));
			return admitted(admission, call(waitsTenSeconds, PRIMARY), PRIMARY)
				.concatWith(admitted(admission, call(waitsTenSeconds, PRIMARY), PRIMARY));
		}).expectNext(Instant.EPOCH).expectError(AttemptFailure.class).verify();
		assertThat(this.sent).hasValue(1);
		assertThat(count("llm.paced", "provider", "openai", "action", "skipped")).isEqualTo(1);
	}

	@Test
	void aDeclaredLimitSpacesRequestsInsteadOfSendingThemAtOnce() {
		StepVerifier.withVirtualTime(() -> {
			// Created in virtual time: the limiter's periods count on the clock it starts
			// with.
			TargetAdmission admission = admission(provider("openai", 60, NO_BUDGET));
			return Flux.merge(admitted(admission, call(WAITS_UP_TO_A_MINUTE, PRIMARY), PRIMARY),
					admitted(admission, call(WAITS_UP_TO_A_MINUTE, PRIMARY), PRIMARY),
					admitted(admission, call(WAITS_UP_TO_A_MINUTE, PRIMARY), PRIMARY));
		})
			.expectSubscription()
			.thenAwait(Duration.ofSeconds(3))
			// 60 per minute: one per second.
			.expectNext(Instant.EPOCH, Instant.EPOCH.plusSeconds(1), Instant.EPOCH.plusSeconds(2))
			.verifyComplete();
		assertThat(count("llm.paced", "action", "waited")).isGreaterThanOrEqualTo(2);
	}

	@Test
	void aFirstRequestToAProviderAlwaysMayGoAndCountsForItsBudget() {
		TargetAdmission admission = admission(provider("openai", 0, budget(0.2)));
		for (int i = 0; i < 5; i++) {
			CallState call = call(WAITS_UP_TO_A_MINUTE, PRIMARY);
			assertThat(admission.mayResend(call, PRIMARY)).isTrue();
			admission.sent(call, PRIMARY);
			admission.sent(call, PRIMARY);
		}
		assertThat(this.pacing.budget("openai").usage()).isEqualTo(new RetryBudget.Usage(5, 0, 1));
	}

	@Test
	void aRequestToAProviderTheCallAlreadyAskedIsARetryTheBudgetMayDeny() {
		TargetAdmission admission = admission(provider("openai", 0, budget(0.2)));
		CallState call = call(WAITS_UP_TO_A_MINUTE, PRIMARY, SAME_PROVIDER);
		for (int i = 0; i < 5; i++) {
			admission.sent(call(WAITS_UP_TO_A_MINUTE, PRIMARY), PRIMARY);
		}
		admission.sent(call, PRIMARY);
		// 6 first requests allow 1 retry: a fallback to another model, then a hedge.
		assertThat(admission.mayResend(call, SAME_PROVIDER)).isTrue();
		assertThat(admission.mayResend(call, PRIMARY)).isFalse();
		assertThat(count("llm.retries.denied", "policy", "summaries", "provider", "openai", "model", "gpt-4o", "reason",
				"retry-budget"))
			.isEqualTo(1);
		assertThat(this.pacing.budget("openai").usage().retries()).isEqualTo(1);
	}

	@Test
	void aRetryTheBudgetHasNoRoomForIsGivenUp() {
		RetryDecision decision = reviewAfterAFirstRequest(budget(0), RetryDecision.retryAfter(2000));
		assertThat(decision.reason()).isEqualTo(Reason.RETRY_BUDGET);
		assertThat(count("llm.retries.denied", "policy", "summaries", "reason", "retry-budget")).isEqualTo(1);
	}

	@Test
	void retriesTheServerAskedForWithAWaitAreNotCountedByTheBudget() {
		RetryDecision decision = reviewAfterAFirstRequest(budget(0), RetryDecision.retryAfterServerWait(1000));
		assertThat(decision.retry()).isTrue();
		assertThat(count("llm.retries.denied")).isZero();
		assertThat(this.pacing.budget("openai").usage().retries()).isZero();
	}

	@Test
	void aServerThatSaysNotToRetryIsCountedAsADeniedRetry() {
		RetryDecision decision = reviewAfterAFirstRequest(NO_BUDGET, RetryDecision.giveUp(Reason.SERVER_SAID_NO));
		assertThat(decision.retry()).isFalse();
		assertThat(count("llm.retries.denied", "policy", "summaries", "reason", "server-said-no")).isEqualTo(1);
	}

	@Test
	void withoutABudgetEveryRetryMayGo() {
		RetryDecision decision = reviewAfterAFirstRequest(NO_BUDGET, RetryDecision.retryAfter(2000));
		assertThat(decision.retry()).isTrue();
		assertThat(count("llm.retries.denied")).isZero();
	}

	/**
	 * Review a decision after a call's first request to the primary failed.
	 */
	private RetryDecision reviewAfterAFirstRequest(RetryBudgetSettings budget, RetryDecision decision) {
		TargetAdmission admission = admission(provider("openai", 0, budget));
		CallState call = call(WAITS_UP_TO_A_MINUTE, PRIMARY);
		admission.sent(call, PRIMARY);
		return admission.review(decision, call, PRIMARY);
	}

}
