package io.github.llmresilience.execution;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.core.functions.Either;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.client.ConnectionPoolExhaustedException;

/**
 * How a target's circuit breaker counts the outcome of a target try. Both the recorded and the
 * ignored failures are listed, because Resilience4j counts an exception that is neither as a
 * success.
 */
final class FailureRules {

	static final Set<FailureKind> RECORDED = EnumSet.of(FailureKind.RATE_LIMITED, FailureKind.QUOTA_EXHAUSTED,
			FailureKind.SERVER_ERROR, FailureKind.TIMEOUT, FailureKind.CONNECTION, FailureKind.AUTH,
			FailureKind.NOT_FOUND, FailureKind.MALFORMED_RESPONSE);

	static final Set<FailureKind> IGNORED = EnumSet.of(FailureKind.BAD_REQUEST, FailureKind.CONTEXT_LENGTH,
			FailureKind.CONTENT_FILTER, FailureKind.CONFLICT, FailureKind.CIRCUIT_OPEN);

	private FailureRules() {
	}

	static boolean recorded(Throwable throwable) {
		Throwable failure = AttemptFailure.unwrap(throwable);
		return failure instanceof LlmException llm && !(failure instanceof LlmDeadlineExceededException)
				&& !poolExhausted(llm) && RECORDED.contains(llm.kind());
	}

	/**
	 * Everything that says nothing about the provider's health: the caller's mistakes, the
	 * application's own exceptions and a local shortage of pooled connections.
	 */
	static boolean ignored(Throwable throwable) {
		Throwable failure = AttemptFailure.unwrap(throwable);
		if (!(failure instanceof LlmException llm) || failure instanceof LlmDeadlineExceededException) {
			return true;
		}
		return poolExhausted(llm) || IGNORED.contains(llm.kind());
	}

	/**
	 * Open the circuit at once after a give-up that says every other call would fail too: until
	 * the instant the server named, or for the breaker's own wait when it named none.
	 * ({@code TransitionCheckResult.transitionToOpen()} cannot be used: a closed breaker rejects a
	 * transition without a wait.)
	 */
	static TransitionCheckResult transition(Either<Object, Throwable> result, Duration waitDurationInOpenState) {
		if (result.isRight()) {
			RetryDecision decision = AttemptFailure.decisionOf(result.get());
			if (decision != null && decision.openCircuit()) {
				return (decision.openUntil() != null)
						? TransitionCheckResult.transitionToOpenAndWaitUntil(decision.openUntil())
						: TransitionCheckResult.transitionToOpenAndWaitFor(waitDurationInOpenState);
			}
		}
		return TransitionCheckResult.noTransition();
	}

	private static boolean poolExhausted(LlmException failure) {
		return failure.getCause() instanceof ConnectionPoolExhaustedException;
	}

}
