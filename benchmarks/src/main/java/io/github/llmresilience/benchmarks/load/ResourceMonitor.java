package io.github.llmresilience.benchmarks.load;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Watches this JVM during a scenario: live threads (the JVM's exact peak, reset at the
 * start, and samples), used heap (sampled, garbage included) and the heap left after each
 * collection (from GC notifications: the live set), and the peak of a caller's gauge such
 * as calls in flight.
 */
final class ResourceMonitor implements AutoCloseable {

	private static final long SAMPLE_MILLIS = 5;

	private static final long TIMELINE_NANOS = 500_000_000L;

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

	private final AtomicLong peakUsedHeap = new AtomicLong();

	private final AtomicLong peakHeapAfterGc = new AtomicLong();

	private final Map<String, LongSupplier> gauges;

	private final Map<String, AtomicLong> peakGauges = new LinkedHashMap<>();

	private final AtomicLong peakSampledThreads = new AtomicLong();

	private final long gcCountAtStart;

	private final long gcMillisAtStart;

	private final NotificationListener gcListener = (notification, handback) -> {
		if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
			GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
				.from((CompositeData) notification.getUserData());
			long after = 0;
			for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
				if (isHeapPool(pool.getKey())) {
					after += pool.getValue().getUsed();
				}
			}
			this.peakHeapAfterGc.accumulateAndGet(after, Math::max);
		}
	};

	private final Thread sampler;

	private final long heapAtStart;

	private volatile BooleanSupplier liveSetTrigger = () -> false;

	private volatile long liveHeapAtTrigger = -1;

	private volatile LongSupplier countAtTrigger = () -> 0;

	private volatile long countedAtTrigger;

	private volatile boolean running = true;

	/**
	 * Start watching.
	 * @param gauges values whose peaks are reported, for example calls in flight, by name
	 */
	ResourceMonitor(Map<String, LongSupplier> gauges) {
		this.gauges = new LinkedHashMap<>(gauges);
		this.gauges.keySet().forEach((name) -> this.peakGauges.put(name, new AtomicLong()));
		System.gc();
		this.heapAtStart = this.memory.getHeapMemoryUsage().getUsed();
		this.threads.resetPeakThreadCount();
		this.gcCountAtStart = gcCount();
		this.gcMillisAtStart = gcMillis();
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (gc instanceof NotificationEmitter emitter) {
				emitter.addNotificationListener(this.gcListener, null, null);
			}
		}
		this.sampler = new Thread(this::sample, "resource-monitor");
		this.sampler.setDaemon(true);
		this.sampler.start();
	}

	private final List<String> timeline = new ArrayList<>();

	private final long startNanos = System.nanoTime();

	private void sample() {
		long nextLine = 0;
		while (this.running) {
			long elapsed = System.nanoTime() - this.startNanos;
			if (elapsed >= nextLine) {
				StringBuilder line = new StringBuilder(
						String.format(Locale.ROOT, "%6.2f s: heap %s, threads %d", elapsed / 1e9,
								Table.mib(this.memory.getHeapMemoryUsage().getUsed()), this.threads.getThreadCount()));
				this.gauges
					.forEach((name, gauge) -> line.append(", ").append(name).append(' ').append(gauge.getAsLong()));
				synchronized (this.timeline) {
					this.timeline.add(line.toString());
				}
				nextLine += TIMELINE_NANOS;
			}
			if (this.liveHeapAtTrigger < 0 && this.liveSetTrigger.getAsBoolean()) {
				long before = this.countAtTrigger.getAsLong();
				System.gc();
				this.liveHeapAtTrigger = this.memory.getHeapMemoryUsage().getUsed();
				this.countedAtTrigger = (before + this.countAtTrigger.getAsLong()) / 2;
			}
			this.peakUsedHeap.accumulateAndGet(this.memory.getHeapMemoryUsage().getUsed(), Math::max);
			this.peakSampledThreads.accumulateAndGet(this.threads.getThreadCount(), Math::max);
			this.gauges.forEach((name, gauge) -> this.peakGauges.computeIfAbsent(name, (key) -> new AtomicLong())
				.accumulateAndGet(gauge.getAsLong(), Math::max));
			try {
				Thread.sleep(SAMPLE_MILLIS);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	private static boolean isHeapPool(String name) {
		// G1, Parallel, Serial: eden, survivor and old generation; never metaspace or
		// code cache.
		String lower = name.toLowerCase();
		return lower.contains("eden") || lower.contains("survivor") || lower.contains("old")
				|| lower.contains("tenured");
	}

	private static long gcCount() {
		long count = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			count += Math.max(gc.getCollectionCount(), 0);
		}
		return count;
	}

	private static long gcMillis() {
		long millis = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			millis += Math.max(gc.getCollectionTime(), 0);
		}
		return millis;
	}

	/**
	 * Stop watching and return what was seen.
	 * @return the peaks
	 */
	Peaks stop() {
		this.running = false;
		try {
			this.sampler.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (gc instanceof NotificationEmitter emitter) {
				try {
					emitter.removeNotificationListener(this.gcListener);
				}
				catch (javax.management.ListenerNotFoundException ex) {
					// Already removed.
				}
			}
		}
		return new Peaks(this.threads.getPeakThreadCount(), this.peakSampledThreads.get(), this.peakUsedHeap.get(),
				this.peakHeapAfterGc.get(), this.memory.getHeapMemoryUsage().getMax(), gcCount() - this.gcCountAtStart,
				gcMillis() - this.gcMillisAtStart, peaks(), this.heapAtStart, this.liveHeapAtTrigger,
				this.countedAtTrigger);
	}

	/**
	 * Measure the live heap once, with a full collection, the first time a condition
	 * holds (for example: every call in flight, none completed). The collection pauses
	 * the application.
	 * @param trigger the condition
	 * @param count what the heap holds, such as calls in flight, read around the
	 * collection
	 */
	void measureLiveHeapWhen(BooleanSupplier trigger, LongSupplier count) {
		this.countAtTrigger = count;
		this.liveSetTrigger = trigger;
	}

	/**
	 * Return a line every half second: heap, threads and the gauges.
	 * @return the lines
	 */
	List<String> timeline() {
		synchronized (this.timeline) {
			return List.copyOf(this.timeline);
		}
	}

	private Map<String, Long> peaks() {
		Map<String, Long> peaks = new LinkedHashMap<>();
		this.peakGauges.forEach((name, peak) -> peaks.put(name, peak.get()));
		return peaks;
	}

	@Override
	public void close() {
		if (this.running) {
			stop();
		}
	}

	/**
	 * What a scenario used at most.
	 *
	 * @param peakThreads the JVM's peak of live threads during the scenario (exact)
	 * @param peakSampledThreads the highest sampled thread count, the monitor's own
	 * thread included
	 * @param peakUsedHeap the highest sampled heap use, garbage included
	 * @param peakHeapAfterGc the highest heap use right after a collection: the live set
	 * @param maxHeap the heap's limit ({@code -Xmx})
	 * @param collections the collections during the scenario
	 * @param gcMillis the time they took
	 * @param peakGauges the peaks of the caller's gauges, by name
	 * @param heapAtStart the heap in use after a full collection at the start
	 * @param liveHeapAtTrigger the heap in use after the full collection of
	 * {@link #measureLiveHeapWhen(BooleanSupplier, LongSupplier)}, or -1
	 * @param countAtTrigger the count read around that collection
	 */
	record Peaks(int peakThreads, long peakSampledThreads, long peakUsedHeap, long peakHeapAfterGc, long maxHeap,
			long collections, long gcMillis, Map<String, Long> peakGauges, long heapAtStart, long liveHeapAtTrigger,
			long countAtTrigger) {

	}

}
