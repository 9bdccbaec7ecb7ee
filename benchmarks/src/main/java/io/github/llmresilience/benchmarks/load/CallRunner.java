package io.github.llmresilience.benchmarks.load;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs {@code n} calls with at most {@code concurrency} in flight, timing each from its
 * start to its end: reactive calls subscribed without a thread each (or started at a
 * fixed rate), or blocking calls on a caller's thread pool.
 */
final class CallRunner {

	final AtomicInteger inFlight = new AtomicInteger();

	final AtomicLong succeeded = new AtomicLong();

	final AtomicLong failed = new AtomicLong();

	final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

	/**
	 * Run the calls and wait for all of them.
	 * @param n the number of calls
	 * @param concurrency the most calls in flight
	 * @param call makes call {@code i}
	 * @param latencies where each call's latency goes
	 * @return the wall time in nanoseconds
	 */
	long run(int n, int concurrency, IntFunction<Mono<?>> call, Latencies latencies) {
		int first = latencies.reserve(n);
		long start = System.nanoTime();
		Flux.range(0, n).flatMap((i) -> timed(i, call, latencies, first), concurrency).then().block();
		return System.nanoTime() - start;
	}

	/**
	 * Run the calls at a fixed rate, whatever the calls in flight (an open workload: a
	 * slow call does not hold the next one back), and wait for all of them.
	 * @param n the number of calls
	 * @param perSecond the calls started per second
	 * @param call makes call {@code i}
	 * @param latencies where each call's latency goes
	 * @return the wall time in nanoseconds
	 */
	long runAtRate(int n, double perSecond, IntFunction<Mono<?>> call, Latencies latencies) {
		int first = latencies.reserve(n);
		long start = System.nanoTime();
		Flux.interval(Duration.ofNanos((long) (1e9 / perSecond)))
			.take(n)
			.flatMap((tick) -> timed(tick.intValue(), call, latencies, first), Integer.MAX_VALUE)
			.then()
			.block();
		return System.nanoTime() - start;
	}

	private Mono<?> timed(int i, IntFunction<Mono<?>> call, Latencies latencies, int first) {
		return Mono.defer(() -> {
			long callStart = System.nanoTime();
			this.inFlight.incrementAndGet();
			return call.apply(i)
				.doOnSuccess((value) -> this.succeeded.incrementAndGet())
				.doOnError(this::failed)
				.doOnTerminate(() -> {
					latencies.set(first + i, System.nanoTime() - callStart);
					this.inFlight.decrementAndGet();
				})
				.onErrorResume((ex) -> Mono.empty());
		});
	}

	/**
	 * Run blocking calls as their users run them: on a thread pool sized to the calls in
	 * flight, each of whose threads makes one call after the other until {@code n} have
	 * started.
	 * @param n the number of calls
	 * @param pool the caller's pool, with at least {@code threads} threads
	 * @param threads the calls in flight: the pool's threads that make calls
	 * @param call makes call {@code i} on the calling thread and returns its answer
	 * @param latencies where each call's latency goes
	 * @return the wall time in nanoseconds
	 * @throws InterruptedException if interrupted while waiting for the calls
	 */
	long runBlocking(int n, ExecutorService pool, int threads, IntFunction<?> call, Latencies latencies)
			throws InterruptedException {
		int first = latencies.reserve(n);
		AtomicInteger next = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(threads);
		long start = System.nanoTime();
		for (int t = 0; t < threads; t++) {
			pool.execute(() -> {
				try {
					for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
						long callStart = System.nanoTime();
						this.inFlight.incrementAndGet();
						try {
							call.apply(i);
							this.succeeded.incrementAndGet();
						}
						catch (RuntimeException | LinkageError ex) {
							// A LinkageError is a dependency conflict in the shaded jar:
							// reported, not hidden.
							failed(ex);
						}
						finally {
							latencies.set(first + i, System.nanoTime() - callStart);
							this.inFlight.decrementAndGet();
						}
					}
				}
				finally {
					done.countDown();
				}
			});
		}
		done.await();
		return System.nanoTime() - start;
	}

	private void failed(Throwable ex) {
		this.failed.incrementAndGet();
		this.errors.computeIfAbsent(ex.getClass().getSimpleName() + ": " + ex.getMessage(), (key) -> new AtomicLong())
			.incrementAndGet();
	}

	/**
	 * Describe the most frequent errors, if any.
	 */
	String errorSummary() {
		return mostFrequent(this.errors, "    ");
	}

	/**
	 * Describe the three most frequent of counted messages, one a line.
	 * @param counts the messages and how often each was seen
	 * @param indent what each line starts with
	 * @return the lines, empty for no messages
	 */
	static String mostFrequent(Map<String, ? extends Number> counts, String indent) {
		StringBuilder text = new StringBuilder();
		counts.entrySet()
			.stream()
			.sorted((a, b) -> Long.compare(b.getValue().longValue(), a.getValue().longValue()))
			.limit(3)
			.forEach((entry) -> text.append(indent)
				.append(entry.getValue().longValue())
				.append(" × ")
				.append(entry.getKey())
				.append('\n'));
		return text.toString();
	}

}
