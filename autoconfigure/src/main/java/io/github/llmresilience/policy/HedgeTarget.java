package io.github.llmresilience.policy;

import java.util.Locale;

/**
 * Where a policy's hedge is sent while an attempt is slow to answer. In
 * {@code application.yml} it is written in lower case ({@code next}, {@code same}), as
 * {@link #toString()} returns it.
 */
public enum HedgeTarget {

	/**
	 * The policy's next target: the hedge races the slow target against the one after it.
	 */
	NEXT,

	/**
	 * The same target again: the hedge is a second request to the target in flight.
	 */
	SAME;

	@Override
	public String toString() {
		return name().toLowerCase(Locale.ROOT);
	}

}
