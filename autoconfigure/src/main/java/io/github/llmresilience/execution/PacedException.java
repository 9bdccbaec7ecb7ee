package io.github.llmresilience.execution;

/**
 * The cause of a {@code rate-limited} failure that no server sent: the target's rate
 * limit was known to be used up, or a declared limit had no permit free, for longer than
 * the policy may wait, so nothing was sent; or the request can never fit the target (its
 * {@code max-input-tokens}, its provider's declared {@code tokens-per-minute}), so it was
 * passed over. Its circuit breaker ignores it: it says nothing new about the provider's
 * health.
 */
final class PacedException extends RuntimeException {

	private final boolean passedOver;

	PacedException(String message) {
		this(message, false);
	}

	PacedException(String message, boolean passedOver) {
		super(message, null, false, false);
		this.passedOver = passedOver;
	}

	/**
	 * Return whether the target was passed over because the request can never fit it (its
	 * context, or its provider's declared token limit): the chain goes on whatever
	 * {@code fallback-on} says.
	 * @return whether the target was passed over
	 */
	boolean passedOver() {
		return this.passedOver;
	}

	/**
	 * Return whether a failure passed its target over without a request.
	 * @param failure the failure
	 * @return whether it did
	 */
	static boolean passedOver(Throwable failure) {
		return failure.getCause() instanceof PacedException paced && paced.passedOver();
	}

}
