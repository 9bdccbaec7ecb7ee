package io.github.llmresilience.benchmarks.load;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

/**
 * Netty's leak detector, counting what it reports: every detector that Netty creates once
 * {@link #install()} ran is one of these, which reports a leak as Netty does (an ERROR
 * log line that starts with {@code LEAK:}) and counts it. It must be installed before
 * Netty's buffer classes are initialised, since each of them creates its detector once:
 * the harness installs it first thing when the soak is among its scenarios.
 */
final class LeakCounter extends ResourceLeakDetectorFactory {

	private static final LongAdder reports = new LongAdder();

	private static final LongAdder insideNetty = new LongAdder();

	private static final AtomicBoolean installed = new AtomicBoolean();

	private LeakCounter() {
	}

	/**
	 * Make Netty create every leak detector from now on with this factory.
	 */
	static void install() {
		if (installed.compareAndSet(false, true)) {
			ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new LeakCounter());
		}
	}

	/**
	 * Return whether the detector of Netty's buffers counts its reports: false when the
	 * buffers' classes were initialised before {@link #install()}.
	 * @return whether buffers' leaks are counted
	 */
	static boolean countsBufferLeaks() {
		try {
			Field detector = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
			detector.setAccessible(true);
			return detector.get(null) instanceof Counting;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Return the leaks reported so far.
	 * @return the number of reports
	 */
	static long reports() {
		return reports.sum();
	}

	/**
	 * Return the leaks reported so far whose buffer no code but Netty's own touched: read
	 * from a socket and decoded by Netty's HTTP codec, never handed to Reactor Netty,
	 * Spring or llm-resilience (every access Netty recorded, from its creation on, is in
	 * {@code io.netty}).
	 * @return the number of those reports
	 */
	static long insideNetty() {
		return insideNetty.sum();
	}

	/**
	 * Whether a leak's records show only Netty's own code.
	 */
	static boolean onlyNetty(String records) {
		for (String line : records.split("\n")) {
			String frame = line.strip();
			if (frame.isEmpty() || frame.startsWith("#") || frame.startsWith("Created at") || frame.startsWith("Hint:")
					|| frame.startsWith(":") || frame.startsWith("Recent access records")) {
				continue;
			}
			if (!frame.startsWith("io.netty.") && !frame.startsWith("java.base/")) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Collect the garbage and make the detectors look at what was collected: Netty
	 * reports a leaked buffer when a later buffer is allocated, once the collector found
	 * the leaked one unreachable.
	 */
	static void collectAndPoll() {
		for (int round = 0; round < 3; round++) {
			// The reference handler enqueues what the collection found, in its own
			// thread: wait until it enqueued a canary collected with the rest.
			ReferenceQueue<Object> queue = new ReferenceQueue<>();
			WeakReference<Object> canary = new WeakReference<>(new Object(), queue);
			System.gc();
			try {
				if (queue.remove(1000) != canary) {
					return;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			for (int i = 0; i < 16; i++) {
				ByteBufAllocator.DEFAULT.buffer(16).release();
				UnpooledByteBufAllocator.DEFAULT.directBuffer(16).release();
			}
		}
	}

	/**
	 * Leak a buffer on purpose: allocated, written, never released.
	 */
	static void leakOneBuffer() {
		ByteBuf leaked = UnpooledByteBufAllocator.DEFAULT.directBuffer(64);
		leaked.writeBytes(new byte[64]);
	}

	@Override
	public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
			long maxActive) {
		return new Counting<>(resource, samplingInterval);
	}

	@Override
	public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
		return new Counting<>(resource, samplingInterval);
	}

	/**
	 * A detector that counts its reports.
	 */
	static final class Counting<T> extends ResourceLeakDetector<T> {

		Counting(Class<?> resource, int samplingInterval) {
			super(resource, samplingInterval);
		}

		@Override
		protected boolean needReport() {
			// Whatever the logging level: a leak is counted even when nothing logs it.
			return true;
		}

		@Override
		protected void reportTracedLeak(String resourceType, String records) {
			reports.increment();
			if (onlyNetty(records)) {
				insideNetty.increment();
			}
			super.reportTracedLeak(resourceType, records);
		}

		@Override
		protected void reportUntracedLeak(String resourceType) {
			reports.increment();
			super.reportUntracedLeak(resourceType);
		}

	}

}
