package io.github.llmresilience.policy;

import java.util.Locale;

/**
 * How a pool picks the member of each attempt among the members of its lowest tier that
 * can be sent to now. In {@code application.yml} it is written in lower case
 * ({@code weighted}, {@code round-robin}, {@code least-busy}), as {@link #toString()}
 * returns it.
 */
public enum PoolStrategy {

	/**
	 * A random draw in proportion to the members' weights.
	 */
	WEIGHTED,

	/**
	 * Each member in turn.
	 */
	ROUND_ROBIN,

	/**
	 * The member with the fewest attempts in flight; ties go to the heavier weight.
	 */
	LEAST_BUSY;

	@Override
	public String toString() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
