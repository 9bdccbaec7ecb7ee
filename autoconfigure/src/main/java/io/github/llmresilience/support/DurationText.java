package io.github.llmresilience.support;

import java.time.Duration;

/**
 * Writes durations the way {@code application.yml} does: {@code 30s}, {@code 500ms}.
 */
public final class DurationText {

	private DurationText() {
	}

	/**
	 * Format a duration in whole seconds when it has no fraction, else in milliseconds.
	 * @param duration the duration
	 * @return the text, such as {@code 30s} or {@code 1500ms}
	 */
	public static String format(Duration duration) {
		long millis = duration.toMillis();
		return (millis % 1000 == 0) ? (millis / 1000) + "s" : millis + "ms";
	}

}
