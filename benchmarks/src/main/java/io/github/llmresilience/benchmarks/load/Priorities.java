package io.github.llmresilience.benchmarks.load;

import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Priority;

/**
 * (j) A provider with a concurrency limit, shared by a batch job and interactive calls:
 * the server answers a few requests at once and 429 beyond them. All batch calls start at
 * once; the interactive ones start at a fixed rate while the batch runs. Three sides, one
 * run: no cap (the default pool of 500 connections), the cap ({@code max-connections} at
 * the server's limit) with every call interactive, and the cap with the batch calls
 * marked {@link Priority#BATCH}.
 */
final class Priorities extends Scenario {

	Priorities(ServerProcess server, Options options) {
		super(server, options, "priorities");
	}

	Result run() throws InterruptedException {
		Side uncapped = side("no cap", false, false);
		Side capped = side("cap", true, false);
		Side prioritised = side("cap and priorities", true, true);
		return new Result(uncapped, capped, prioritised, this.options);
	}

	private Side side(String name, boolean cap, boolean priorities) throws InterruptedException {
		int limit = integer("limit");
		StarterProperties properties = starterProperties().provider("capped", "sk-bench")
			.set("llm.providers.capped.circuit-breaker.enabled", false)
			// Every call should end served: the retries of the 429s are the cost
			// measured.
			.set("llm.providers.capped.retry-budget.enabled", false)
			.set("llm.providers.capped.pending-acquire-timeout", "120s")
			.policy("interactive", "capped", BenchServer.CAPPED)
			.policy("batch", "capped", BenchServer.CAPPED);
		for (String policy : new String[] { "interactive", "batch" }) {
			properties.retry(policy, "max-attempts", 10)
				.retry(policy, "initial-backoff", "100ms")
				.retry(policy, "max-backoff", "1s");
		}
		if (cap) {
			properties.set("llm.providers.capped.max-connections", limit);
		}
		if (priorities) {
			properties.set("llm.providers.capped.batch-share", this.options.string("priorities-batch-share"));
		}
		int interactiveCalls = integer("interactive-calls");
		int batchCalls = integer("batch-calls");
		Side side = new Side(name, interactiveCalls, batchCalls);
		this.server.reset();
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			Priority batch = priorities ? Priority.BATCH : Priority.INTERACTIVE;
			CallRunner batchRunner = new CallRunner();
			CompletableFuture<Long> batchWall = Mono.fromCallable(() -> batchRunner.run(batchCalls, batchCalls,
					(i) -> llm.chat("batch", request("b-" + i).mutate().priority(batch).build()), side.batchLatencies))
				.subscribeOn(Schedulers.boundedElastic())
				.toFuture();
			measureAtRate(side, interactiveCalls, this.options.decimal("priorities-interactive-rate"),
					(i) -> llm.chat("interactive", request("i-" + i)));
			side.batchWall = batchWall.join();
			side.batchSucceeded = batchRunner.succeeded.get();
			side.batchFailed = batchRunner.failed.get();
		}
		side.requests = this.server.counts().getOrDefault(BenchServer.CAPPED, 0L);
		side.refused = this.server.counts().getOrDefault(BenchServer.CAPPED + "-429", 0L);
		return side;
	}

	/**
	 * One run: the interactive calls are the side's own, the batch calls beside them.
	 */
	static final class Side extends Scenario.Side {

		final Latencies batchLatencies;

		long batchWall;

		long batchSucceeded;

		long batchFailed;

		long requests;

		long refused;

		Side(String name, int interactiveCalls, int batchCalls) {
			super(name, interactiveCalls);
			this.batchLatencies = new Latencies(batchCalls);
		}

	}

	record Result(Side uncapped, Side capped, Side prioritised, Options options) {

		/**
		 * With the cap, the server answers no 429; with priorities, interactive calls
		 * wait less than without, and every call is served.
		 */
		boolean met() {
			return this.capped.refused == 0 && this.prioritised.refused == 0
					&& this.prioritised.percentileMillis(95) < this.capped.percentileMillis(95)
					&& this.prioritised.failed.sum() == 0 && this.prioritised.batchFailed == 0;
		}

		String verdict() {
			return "(j) priorities: interactive p95 " + Table.millis(this.prioritised.percentileMillis(95))
					+ " with the cap and priorities, " + Table.millis(this.capped.percentileMillis(95))
					+ " with the cap alone, " + Table.millis(this.uncapped.percentileMillis(95)) + " without the cap; "
					+ "429s answered: " + this.prioritised.refused + ", " + this.capped.refused + ", "
					+ this.uncapped.refused;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format(
					"(j) priorities: a server that answers %d requests at once (each after %s ms) and 429 beyond; "
							+ "%,d batch calls started at once and %,d interactive calls at %s per second meanwhile; "
							+ "policies: 10 attempts, 100 ms backoff up to 1 s, retry budget and circuit breaker off; "
							+ "with the cap: max-connections %d; with priorities: batch-share %s%n",
					this.options.integer("priorities-limit"), this.options.string("priorities-answer-ms"),
					this.options.integer("priorities-batch-calls"),
					this.options.integer("priorities-interactive-calls"),
					this.options.string("priorities-interactive-rate"), this.options.integer("priorities-limit"),
					this.options.string("priorities-batch-share")));
			Table table = new Table("", this.uncapped.name, this.capped.name, this.prioritised.name);
			for (double percentile : new double[] { 50, 95, 99 }) {
				table.row(String.format("interactive p%.0f latency", percentile),
						Table.millis(this.uncapped.percentileMillis(percentile)),
						Table.millis(this.capped.percentileMillis(percentile)),
						Table.millis(this.prioritised.percentileMillis(percentile)));
			}
			table.row("interactive calls served", this.uncapped.succeeded, this.capped.succeeded,
					this.prioritised.succeeded);
			table.row("interactive calls failed", this.uncapped.failed, this.capped.failed, this.prioritised.failed);
			table.row("batch calls served", this.uncapped.batchSucceeded, this.capped.batchSucceeded,
					this.prioritised.batchSucceeded);
			table.row("batch calls failed", this.uncapped.batchFailed, this.capped.batchFailed,
					this.prioritised.batchFailed);
			table.row("batch p95 latency", Table.millis(this.uncapped.batchLatencies.percentileMillis(95)),
					Table.millis(this.capped.batchLatencies.percentileMillis(95)),
					Table.millis(this.prioritised.batchLatencies.percentileMillis(95)));
			table.row("batch wall time", Table.seconds(this.uncapped.batchWall), Table.seconds(this.capped.batchWall),
					Table.seconds(this.prioritised.batchWall));
			table.row("429s answered by the server", this.uncapped.refused, this.capped.refused,
					this.prioritised.refused);
			table.row("requests sent", this.uncapped.requests, this.capped.requests, this.prioritised.requests);
			text.append(table);
			return text.toString();
		}

	}

}
