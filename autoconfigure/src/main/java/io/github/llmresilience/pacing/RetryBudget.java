package io.github.llmresilience.pacing;

import java.time.Clock;
import java.time.Duration;

/**
 * The retry budget of one provider, as Finagle and Linkerd keep one: retries may add
 * {@code ratio} to the first requests of a sliding window, plus a floor of
 * {@code min-retries-per-second}, so that a brownout cannot multiply the requests a sick
 * provider receives. A retry is any request of a logical call after that call's first
 * request to the same provider.
 *
 * <p>
 * The window slides in tenths: a request counts for between nine and ten tenths of
 * {@code window} after it was sent. Thread-safe; its methods take a short lock.
 */
public final class RetryBudget {

	private static final int SLOTS = 10;

	private final double ratio;

	private final double reserve;

	private final long slotMillis;

	private final Clock clock;

	private final long[] slotIndex = new long[SLOTS];

	private final int[] firsts = new int[SLOTS];

	private final int[] retries = new int[SLOTS];

	/**
	 * Create a budget.
	 * @param ratio the share of first requests that retries may add, such as 0.2
	 * @param window how far back requests count
	 * @param minRetriesPerSecond the retries allowed per second of the window whatever
	 * the traffic, so that a quiet provider can still be retried
	 * @param clock the clock
	 */
	public RetryBudget(double ratio, Duration window, double minRetriesPerSecond, Clock clock) {
		this.ratio = ratio;
		this.reserve = minRetriesPerSecond * window.toMillis() / 1000.0;
		this.slotMillis = Math.max(1, window.toMillis() / SLOTS);
		this.clock = clock;
		java.util.Arrays.fill(this.slotIndex, Long.MIN_VALUE);
	}

	/**
	 * Count a logical call's first request to the provider.
	 */
	public synchronized void firstRequest() {
		this.firsts[slot()]++;
	}

	/**
	 * Take a retry from the budget, if it allows one.
	 * @return whether the retry may be sent; if so, it is counted
	 */
	public synchronized boolean tryRetry() {
		int slot = slot();
		if (sum(this.retries) + 1 > allowance()) {
			return false;
		}
		this.retries[slot]++;
		return true;
	}

	/**
	 * Return what the window holds now.
	 * @return the usage
	 */
	public synchronized Usage usage() {
		slot();
		return new Usage(sum(this.firsts), sum(this.retries), (int) Math.floor(allowance()));
	}

	private double allowance() {
		return this.ratio * sum(this.firsts) + this.reserve;
	}

	/**
	 * Return the slot of now, after clearing the slots that fell out of the window.
	 */
	private int slot() {
		long index = Math.floorDiv(this.clock.millis(), this.slotMillis);
		for (int i = 0; i < SLOTS; i++) {
			if (this.slotIndex[i] <= index - SLOTS) {
				this.slotIndex[i] = Long.MIN_VALUE;
				this.firsts[i] = 0;
				this.retries[i] = 0;
			}
		}
		int slot = (int) Math.floorMod(index, SLOTS);
		if (this.slotIndex[slot] != index) {
			this.slotIndex[slot] = index;
			this.firsts[slot] = 0;
			this.retries[slot] = 0;
		}
		return slot;
	}

	private static int sum(int[] counts) {
		int sum = 0;
		for (int count : counts) {
			sum += count;
		}
		return sum;
	}

	/**
	 * The requests of a budget's window.
	 *
	 * @param firstRequests first requests of logical calls to the provider
	 * @param retries retries sent to the provider
	 * @param allowedRetries the retries the window allows
	 */
	public record Usage(int firstRequests, int retries, int allowedRetries) {

	}

}
