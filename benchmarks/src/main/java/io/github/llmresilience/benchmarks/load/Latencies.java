package io.github.llmresilience.benchmarks.load;

import java.util.Arrays;

/**
 * Latencies of calls in nanoseconds, and their percentiles. Each call writes its own
 * slot, so no synchronisation is needed beyond the completion of the run that fills them.
 */
final class Latencies {

	private long[] nanos;

	private int size;

	Latencies(int capacity) {
		this.nanos = new long[Math.max(capacity, 1)];
	}

	/**
	 * Make room for {@code count} more latencies and return the index of the first.
	 */
	int reserve(int count) {
		int first = this.size;
		if (this.size + count > this.nanos.length) {
			this.nanos = Arrays.copyOf(this.nanos, Math.max(this.nanos.length * 2, this.size + count));
		}
		this.size += count;
		return first;
	}

	void set(int index, long latencyNanos) {
		this.nanos[index] = latencyNanos;
	}

	int size() {
		return this.size;
	}

	/**
	 * Return a percentile in milliseconds (nearest rank).
	 * @param percentile 0 to 100
	 * @return the latency
	 */
	double percentileMillis(double percentile) {
		long[] sorted = Arrays.copyOf(this.nanos, this.size);
		Arrays.sort(sorted);
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
		return sorted[Math.min(Math.max(rank - 1, 0), sorted.length - 1)] / 1e6;
	}

}
