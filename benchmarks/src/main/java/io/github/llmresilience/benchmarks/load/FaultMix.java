package io.github.llmresilience.benchmarks.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;

/**
 * (c) The cost of resilience under a fault mix: the starter against a blocking baseline
 * ({@link BlockingBaseline}) with the same retry rules and fallback, the same calls
 * meeting the same faults (the server draws each answer from the call, the model and the
 * attempt number).
 */
final class FaultMix extends Scenario {

	static final String POLICY = "mix";

	static final Duration INITIAL_BACKOFF = Duration.ofMillis(200);

	static final double MULTIPLIER = 2.0;

	static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

	static final double JITTER = 0.5;

	FaultMix(ServerProcess server, Options options) {
		super(server, options, "mix");
	}

	Result run() throws InterruptedException {
		int calls = integer("calls");
		int concurrency = integer("concurrency");
		int maxAttempts = integer("max-attempts");
		StarterProperties properties = starterProperties().provider("bench", "sk-bench")
			.policy(POLICY, "bench", BenchServer.MIX_PRIMARY)
			.fallback(POLICY, "bench", BenchServer.MIX_FALLBACK)
			.retry(POLICY, "max-attempts", maxAttempts)
			.retry(POLICY, "initial-backoff", INITIAL_BACKOFF.toMillis() + "ms")
			.retry(POLICY, "multiplier", MULTIPLIER)
			.retry(POLICY, "max-backoff", MAX_BACKOFF.toMillis() + "ms")
			.retry(POLICY, "jitter", JITTER)
			.policy("warmup", "bench", BenchServer.HAPPY);
		Side starter = new Side("starter (reactive)", calls);
		Side blocking = new Side("blocking baseline", calls);
		int warmup = integer("warmup-calls");
		BlockingBaseline baseline = new BlockingBaseline(this.server.rootUrl() + "/bench/v1",
				List.of(BenchServer.MIX_PRIMARY, BenchServer.MIX_FALLBACK), maxAttempts, INITIAL_BACKOFF, MULTIPLIER,
				MAX_BACKOFF, JITTER);
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			// Each client is first answered at once, so that neither pays for the JIT
			// compiler below.
			warmUp(llm, "warmup", warmup, concurrency);
			this.server.reset();
			ResourceMonitor monitor = new ResourceMonitor(Map.of());
			measure(starter, calls, concurrency,
					(i) -> llm.chat(POLICY, request("s-" + i))
						.doOnNext(
								(response) -> starter.ended(response.served().attempts(), response.served().fallback()))
						.doOnError(LlmException.class, (ex) -> starter.ended(ex.attempts(), false)));
			starter.peaks = monitor.stop();
			starter.upstream = this.server.counts();
		}
		runBlocking(baseline, List.of(BenchServer.HAPPY), "w-", warmup, concurrency, new Side("warm-up", warmup));
		this.server.reset();
		ResourceMonitor monitor = new ResourceMonitor(Map.of());
		runBlocking(baseline, baseline.models(), "b-", calls, concurrency, blocking);
		blocking.peaks = monitor.stop();
		blocking.upstream = this.server.counts();
		return new Result(calls, concurrency, maxAttempts, this.options, starter, blocking);
	}

	/**
	 * Run the blocking baseline's calls on a fixed pool of {@code concurrency} threads.
	 */
	private static void runBlocking(BlockingBaseline baseline, List<String> models, String prefix, int calls,
			int concurrency, Side side) throws InterruptedException {
		ExecutorService pool = Executors.newFixedThreadPool(concurrency);
		CountDownLatch done = new CountDownLatch(calls);
		int first = side.latencies.reserve(calls);
		long start = System.nanoTime();
		for (int i = 0; i < calls; i++) {
			int call = i;
			pool.execute(() -> {
				long callStart = System.nanoTime();
				try {
					BlockingBaseline.Outcome outcome = baseline.call(prefix + call, models);
					side.ended(outcome.attempts(), outcome.fallback());
					((outcome.failure() == null) ? side.succeeded : side.failed).increment();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				catch (RuntimeException ex) {
					side.failed.increment();
				}
				finally {
					side.latencies.set(first + call, System.nanoTime() - callStart);
					done.countDown();
				}
			});
		}
		done.await();
		side.wall = System.nanoTime() - start;
		pool.shutdown();
		pool.awaitTermination(10, TimeUnit.SECONDS);
	}

	/**
	 * One client's run.
	 */
	static final class Side extends Scenario.Side {

		final LongAdder attempts = new LongAdder();

		final LongAdder fallbacks = new LongAdder();

		final AtomicInteger maxAttempts = new AtomicInteger();

		final AtomicLong[] histogram = new AtomicLong[64];

		ResourceMonitor.@Nullable Peaks peaks;

		Map<String, Long> upstream = Map.of();

		Side(String name, int calls) {
			super(name, calls);
			for (int i = 0; i < this.histogram.length; i++) {
				this.histogram[i] = new AtomicLong();
			}
		}

		void ended(int attempts, boolean fallback) {
			this.attempts.add(attempts);
			if (fallback) {
				this.fallbacks.increment();
			}
			this.maxAttempts.accumulateAndGet(attempts, Math::max);
			this.histogram[Math.min(attempts, this.histogram.length - 1)].incrementAndGet();
		}

		int peakThreads() {
			ResourceMonitor.Peaks measured = this.peaks;
			if (measured == null) {
				throw new IllegalStateException("The resources of " + this.name + " were not measured");
			}
			return measured.peakThreads();
		}

		long upstreamTotal() {
			return this.upstream.getOrDefault(BenchServer.MIX_PRIMARY, 0L)
					+ this.upstream.getOrDefault(BenchServer.MIX_FALLBACK, 0L);
		}

	}

	record Result(int calls, int concurrency, int maxAttempts, Options options, Side starter, Side blocking) {

		boolean met() {
			return this.starter.succeeded.sum() == this.calls && this.starter.maxAttempts.get() <= 2 * this.maxAttempts
					&& this.starter.upstreamTotal() == this.starter.attempts.sum();
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(c) fault mix: %,d calls per client, %d in flight; each attempt answered 429 "
					+ "Retry-After: %s (%.0f %%), 503 (%.0f %%) or 200, drawn from (call, model, attempt) so both clients "
					+ "meet the same faults%n", this.calls, this.concurrency, this.options.string("mix-retry-after"),
					100 * this.options.decimal("mix-rate-limited"), 100 * this.options.decimal("mix-server-error")));
			text.append(String.format("    policy 'mix': %s then fallback %s, per target max-attempts %d, "
					+ "initial-backoff %dms, multiplier %.1f, max-backoff %dms, jitter %.1f, Retry-After honoured "
					+ "(max-retry-after 60s); at most %d requests per call%n", BenchServer.MIX_PRIMARY,
					BenchServer.MIX_FALLBACK, this.maxAttempts, INITIAL_BACKOFF.toMillis(), MULTIPLIER,
					MAX_BACKOFF.toMillis(), JITTER, 2 * this.maxAttempts));
			text.append(
					String.format("    blocking baseline: RestClient (JDK HttpClient) on a fixed pool of %d threads, "
							+ "Thread.sleep retry loop with the same rules%n", this.concurrency));
			Table table = table(this.starter, this.blocking, "starter / blocking");
			table.row("success", Table.percent(this.starter.succeeded.sum(), this.calls),
					Table.percent(this.blocking.succeeded.sum(), this.calls), "");
			table.row("served by the fallback", this.starter.fallbacks.sum(), this.blocking.fallbacks.sum(), "");
			table.row("attempts per call (client)", perCall(this.starter), perCall(this.blocking),
					Table.ratio((double) this.starter.attempts.sum() / this.blocking.attempts.sum()));
			table.row("most attempts of one call (policy: ≤ " + 2 * this.maxAttempts + ")", this.starter.maxAttempts,
					this.blocking.maxAttempts, "");
			table.row("upstream requests (server)", this.starter.upstreamTotal(), this.blocking.upstreamTotal(), "");
			for (double percentile : new double[] { 50, 99 }) {
				table.row(String.format("p%.0f latency", percentile),
						Table.millis(this.starter.percentileMillis(percentile)),
						Table.millis(this.blocking.percentileMillis(percentile)),
						Table.ratio(this.starter.percentileMillis(percentile)
								/ this.blocking.percentileMillis(percentile)));
			}
			table.row("wall time", Table.seconds(this.starter.wall), Table.seconds(this.blocking.wall),
					Table.ratio((double) this.starter.wall / this.blocking.wall));
			table.row("peak live threads", this.starter.peakThreads(), this.blocking.peakThreads(), "");
			text.append(table);
			text.append("    attempts per call, calls: starter ")
				.append(histogram(this.starter))
				.append("; blocking ")
				.append(histogram(this.blocking))
				.append('\n');
			return text.toString();
		}

		private String perCall(Side side) {
			return Table.number((double) side.attempts.sum() / this.calls, 3);
		}

		private static String histogram(Side side) {
			StringBuilder text = new StringBuilder();
			for (int i = 1; i < side.histogram.length; i++) {
				long count = side.histogram[i].get();
				if (count > 0) {
					text.append(text.isEmpty() ? "" : " ").append(i).append(':').append(count);
				}
			}
			return text.toString();
		}

	}

}
