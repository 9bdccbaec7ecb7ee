package io.github.llmresilience.pacing;

import java.time.Instant;

import io.github.llmresilience.policy.Target;

/**
 * A time until which a target is known to answer nothing useful, because its server said
 * so: the wait a 429 asked for (beyond {@code max-retry-after}), a used-up quota, or a
 * rate limit its headers say is used up. Every instance of an application that shares
 * state learns it from the one that was told.
 *
 * @param target the target
 * @param until when it ends
 * @param cause what the server said
 */
public record Cooldown(Target target, Instant until, Cause cause) {

	/**
	 * What a server said that makes a target cool down.
	 */
	public enum Cause {

		/**
		 * A 429 asked for a wait longer than the policy allows ({@code max-retry-after}),
		 * or one that ends after the target's {@code max-elapsed} or the call's deadline:
		 * the target's circuit opens until then.
		 */
		RETRY_AFTER("retry-after"),

		/**
		 * The account's quota is used up: the target's circuit opens until the instant
		 * the server named, or for the circuit breaker's own wait.
		 */
		QUOTA_EXHAUSTED("quota-exhausted"),

		/**
		 * The target's rate-limit headers say its limit is used up until its reset:
		 * requests to it are paced until then.
		 */
		RATE_LIMIT("rate-limit");

		private final String value;

		Cause(String value) {
			this.value = value;
		}

		/**
		 * Return the name of the cause in meters, keys and messages.
		 * @return the name, such as {@code retry-after}
		 */
		public String value() {
			return this.value;
		}

		/**
		 * Return the cause of a name.
		 * @param value the name, such as {@code retry-after}
		 * @return the cause
		 * @throws IllegalArgumentException if no cause has that name
		 */
		public static Cause of(String value) {
			for (Cause cause : values()) {
				if (cause.value.equals(value)) {
					return cause;
				}
			}
			throw new IllegalArgumentException("No cooldown cause '" + value + "'");
		}

	}

}
