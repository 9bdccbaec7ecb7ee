package io.github.llmresilience.client;

/**
 * No pooled connection to a provider became free within its
 * {@code pending-acquire-timeout}. It is the cause of a
 * {@link io.github.llmresilience.FailureKind#CONNECTION connection} failure whose request
 * was never sent, and is never counted against the provider by a circuit breaker: the
 * shortage is local.
 */
public class ConnectionPoolExhaustedException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message the message
	 * @param cause the pool's exception
	 */
	public ConnectionPoolExhaustedException(String message, Throwable cause) {
		super(message, cause);
	}

}
