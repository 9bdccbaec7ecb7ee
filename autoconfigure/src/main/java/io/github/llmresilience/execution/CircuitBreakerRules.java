package io.github.llmresilience.execution;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.core.functions.Either;

import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.client.ConnectionPoolExhaustedException;

/**
 * How a target's circuit breaker counts the outcome of a target try, following each
 * kind's {@link io.github.llmresilience.FailureKind#recordedByCircuitBreaker() column}.
 * Both the recorded and the ignored failures are given to Resilience4j, because it counts
 * an exception that is neither as a success.
 */
final class CircuitBreakerRules {

	private CircuitBreakerRules() {
	}

	static boolean recorded(Throwable throwable) {
		Throwable failure = AttemptFailure.unwrap(throwable);
		return failure instanceof LlmException llm && !(failure instanceof LlmDeadlineExceededException)
				&& !poolExhausted(llm) && !(llm.getCause() instanceof PacedException)
				&& llm.kind().recordedByCircuitBreaker();
	}

	/**
	 * Everything that says nothing about the provider's health: the caller's mistakes,
	 * the application's own exceptions and a local shortage of pooled connections.
	 */
	static boolean ignored(Throwable throwable) {
		Throwable failure = AttemptFailure.unwrap(throwable);
		if (!(failure instanceof LlmException llm) || failure instanceof LlmDeadlineExceededException) {
			return true;
		}
		return poolExhausted(llm) || llm.getCause() instanceof PacedException || !llm.kind().recordedByCircuitBreaker();
	}

	/**
	 * Open the circuit at once after a give-up that says every other call would fail too:
	 * until the instant the server named, or for the breaker's own wait when it named
	 * none. ({@code TransitionCheckResult.transitionToOpen()} cannot be used: a closed
	 * breaker rejects a transition without a wait.)
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
