package io.github.llmresilience.benchmarks.load;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs {@code n} reactive calls with at most {@code concurrency} in flight, or at a fixed rate,
 * timing each from its subscription to its end.
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
	 * Run the calls at a fixed rate, whatever the calls in flight (an open workload: a slow call
	 * does not hold the next one back), and wait for all of them.
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
			return call.apply(i).doOnSuccess((value) -> this.succeeded.incrementAndGet()).doOnError((ex) -> {
				this.failed.incrementAndGet();
				this.errors.computeIfAbsent(ex.getClass().getSimpleName() + ": " + ex.getMessage(),
						(key) -> new AtomicLong()).incrementAndGet();
			}).doOnTerminate(() -> {
				latencies.set(first + i, System.nanoTime() - callStart);
				this.inFlight.decrementAndGet();
			}).onErrorResume((ex) -> Mono.empty());
		});
	}

	/**
	 * Describe the most frequent errors, if any.
	 */
	String errorSummary() {
		StringBuilder text = new StringBuilder();
		this.errors.entrySet()
			.stream()
			.sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()))
			.limit(3)
			.forEach((entry) -> text.append("    ").append(entry.getValue().get()).append(" × ").append(entry.getKey())
				.append('\n'));
		return text.toString();
	}

}
