package io.github.llmresilience.execution;

/**
 * The cause of a {@code rate-limited} failure that no server sent: the target's rate
 * limit was known to be used up, or a declared limit had no permit free, for longer than
 * the policy may wait, so nothing was sent. Its circuit breaker ignores it: it says
 * nothing new about the provider's health.
 */
final class PacedException extends RuntimeException {

	PacedException(String message) {
		super(message, null, false, false);
	}

}
