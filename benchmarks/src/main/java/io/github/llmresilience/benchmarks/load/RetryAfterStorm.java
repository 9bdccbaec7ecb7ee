package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.LlmClient;

/**
 * (b) Every one of {@code n} logical calls in flight at once is first answered 429 with
 * {@code Retry-After}, then 200: all must complete, on few threads and a small heap.
 */
final class RetryAfterStorm extends Scenario {

	RetryAfterStorm(ServerProcess server, Options options) {
		super(server, options, "storm");
	}

	Result run() throws InterruptedException {
		int calls = integer("calls");
		int connections = integer("connections");
		long retryAfter = this.options.longValue("storm-retry-after");
		this.server.reset();
		StarterProperties properties = starterProperties().provider("bench", "sk-bench")
			.set("llm.providers.bench.max-connections", connections)
			.policy("default", "bench", BenchServer.STORM)
			.policy("warmup", "bench", BenchServer.HAPPY);
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			// Warm up (one storm of a few calls for the retry path, then many calls that
			// are answered at once) so that class loading and the JIT compiler do not
			// count as the storm's cost.
			warmUp(llm, "default", 100, 100);
			warmUp(llm, "warmup", integer("warmup-calls"), 200);
			this.server.reset();
			CallRunner runner = new CallRunner();
			Side side = new Side("storm", calls);
			Map<String, java.util.function.LongSupplier> gauges = new LinkedHashMap<>();
			gauges.put("in flight", () -> runner.inFlight.get());
			// Each call is retried exactly once: a call is waiting on Retry-After (or on
			// its second
			// answer) between its retry being counted and its completion.
			long retriesBefore = counted(meters, "llm.retries");
			gauges.put("waiting", () -> (long) (counted(meters, "llm.retries") - retriesBefore) - runner.succeeded.get()
					- runner.failed.get());
			gauges.put("completed", () -> runner.succeeded.get() + runner.failed.get());
			ResourceMonitor monitor = new ResourceMonitor(gauges);
			if (this.options.string("storm-live-heap").equals("true")) {
				// Calls answered first complete after the Retry-After, so most are in
				// flight at once;
				// the heap is measured when 95 % are.
				monitor.measureLiveHeapWhen(() -> runner.inFlight.get() >= calls * 0.95, () -> runner.inFlight.get());
			}
			measure(side, runner, calls, calls, (i) -> llm.chat(request("s-" + i)));
			ResourceMonitor.Peaks peaks = monitor.stop();
			long upstream = this.server.count(BenchServer.STORM);
			return new Result(calls, connections, retryAfter, runner, side.latencies, side.wall, peaks, upstream,
					this.options.string("storm-timeline").equals("true") ? monitor.timeline() : List.of());
		}
	}

	record Result(int calls, int connections, long retryAfter, CallRunner runner, Latencies latencies, long wall,
			ResourceMonitor.Peaks peaks, long upstreamRequests, List<String> timeline) {

		static final int THREAD_TARGET = 50;

		static final long HEAP_TARGET = 512L * 1024 * 1024;

		boolean allCompleted() {
			return this.runner.succeeded.get() == this.calls && this.runner.failed.get() == 0;
		}

		boolean met() {
			return allCompleted() && this.peaks.peakThreads() <= THREAD_TARGET && this.peaks.maxHeap() <= HEAP_TARGET;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format(
					"(b) Retry-After storm: %,d logical calls subscribed at once, each answered 429 "
							+ "Retry-After: %d then 200; max-connections %,d, pending queue unbounded, retry defaults "
							+ "(max-attempts 4, max-retry-after 60s)%n",
					this.calls, this.retryAfter, this.connections));
			Table table = new Table("", "value", "target");
			table.row("calls completed", Table.percent(this.runner.succeeded.get(), this.calls), "all");
			table.row("failed", this.runner.failed.get(), "0");
			table.row("peak calls in flight / waiting on Retry-After",
					this.peaks.peakGauges().get("in flight") + " / " + this.peaks.peakGauges().get("waiting"), "");
			table.row(
					"upstream requests (server)", this.upstreamRequests + " ("
							+ Table.number((double) this.upstreamRequests / this.calls, 2) + " per call)",
					"2 per call");
			table.row("wall time", Table.seconds(this.wall), "");
			table.row("latency p50 / p99", Table.millis(this.latencies.percentileMillis(50)) + " / "
					+ Table.millis(this.latencies.percentileMillis(99)), "");
			table.row("peak live threads (JVM peak, whole harness)", this.peaks.peakThreads(), "≤ " + THREAD_TARGET);
			table.row("heap limit (-Xmx)", Table.mib(this.peaks.maxHeap()), "≤ 512 MiB");
			table.row("peak heap used (sampled, garbage included)", Table.mib(this.peaks.peakUsedHeap()), "");
			table.row("peak heap right after a collection", Table.mib(this.peaks.peakHeapAfterGc()), "");
			if (this.peaks.liveHeapAtTrigger() >= 0) {
				long inFlight = Math.max(this.peaks.countAtTrigger(), 1);
				long perCall = (this.peaks.liveHeapAtTrigger() - this.peaks.heapAtStart()) / inFlight;
				table.row("live heap with " + inFlight + " calls in flight / idle (full GC)",
						Table.mib(this.peaks.liveHeapAtTrigger()) + " / " + Table.mib(this.peaks.heapAtStart()) + " ("
								+ String.format("%,d", perCall) + " bytes per call)",
						"");
			}
			table.row("collections / GC time", this.peaks.collections() + " / " + this.peaks.gcMillis() + " ms", "");
			text.append(table);
			this.timeline.forEach((line) -> text.append("    ").append(line).append('\n'));
			text.append(this.runner.errorSummary());
			return text.toString();
		}

	}

}
