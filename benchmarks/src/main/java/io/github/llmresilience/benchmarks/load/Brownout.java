package io.github.llmresilience.benchmarks.load;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * (e) A brownout: 40 % of the attempts to the primary provider answer 503 while its
 * circuit stays closed, and a second provider serves what the primary gives up. With the
 * retry budget off, every call retries until it is served (about 1.6 requests per call);
 * with it on, retries may add only the budget's ratio to the first requests, plus its
 * floor.
 */
final class Brownout extends Scenario {

	Brownout(ServerProcess server, Options options) {
		super(server, options, "brownout");
	}

	Result run() throws InterruptedException {
		return new Result(side(false), side(true), this.options);
	}

	private Side side(boolean budget) throws InterruptedException {
		StarterProperties properties = starterProperties().provider("sick", "sk-bench")
			// The circuit stays closed: a brownout is not an outage.
			.set("llm.providers.sick.circuit-breaker.enabled", false)
			.set("llm.providers.sick.retry-budget.enabled", budget)
			.provider("backup", "sk-bench")
			.policy("brownout", "sick", BenchServer.BROWNOUT)
			.fallback("brownout", "backup", BenchServer.BACKUP)
			.retry("brownout", "max-attempts", 4)
			.retry("brownout", "initial-backoff", "10ms")
			.retry("brownout", "jitter", 0.5);
		Side side = new Side(budget ? "retry budget on" : "retry budget off", integer("calls"));
		measureOnStarter(side, budget, properties, "brownout",
				(call) -> call.doOnNext((response) -> side.served(response.served().fallback())), (context) -> {
				});
		Map<String, Long> counts = this.server.counts();
		side.sick = counts.getOrDefault(BenchServer.BROWNOUT, 0L);
		side.backup = counts.getOrDefault(BenchServer.BACKUP, 0L);
		return side;
	}

	/**
	 * One run.
	 */
	static final class Side extends Scenario.Side {

		final LongAdder fallbacks = new LongAdder();

		long sick;

		long backup;

		Side(String name, int calls) {
			super(name, calls);
		}

		void served(boolean fallback) {
			if (fallback) {
				this.fallbacks.increment();
			}
		}

	}

	record Result(Side off, Side on, Options options) {

		double perCall(Side side) {
			return (double) side.sick / this.options.integer("brownout-calls");
		}

		/**
		 * The budget's bound: 1 + ratio, plus the floor's share: 1 retry per second over
		 * the run, and over one more window (the retries of the first window leave it
		 * while the run goes on).
		 */
		double bound() {
			double seconds = this.on.wall / 1e9;
			return 1 + 0.2 + 1.0 * (seconds + 10) / this.options.integer("brownout-calls");
		}

		boolean met() {
			return perCall(this.on) <= bound()
					&& this.on.succeeded.sum() + this.on.failed.sum() == this.options.integer("brownout-calls");
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String
				.format("(e) brownout: %,d calls, %d in flight; each attempt to provider 'sick' answers 503 "
						+ "with %.0f %% chance (seeded per call and attempt), its circuit breaker off; policy: 4 attempts, "
						+ "10 ms backoff, then provider 'backup'; retry budget ratio 0.2, window 10s, 1 retry/s%n",
						this.options.integer("brownout-calls"), this.options.integer("brownout-concurrency"),
						100 * this.options.decimal("brownout")));
			Table table = table(this.off, this.on, "on / off");
			table.row("requests to 'sick' per logical call", Table.number(perCall(this.off), 3),
					Table.number(perCall(this.on), 3), Table.ratio(perCall(this.on) / perCall(this.off)));
			table.row("requests to 'backup'", this.off.backup, this.on.backup, "");
			table.row("calls served", this.off.succeeded, this.on.succeeded, "");
			table.row("served by 'backup'", this.off.fallbacks, this.on.fallbacks, "");
			table.row("calls failed", this.off.failed, this.on.failed, "");
			latencyAndWallRows(table, this.off, this.on);
			text.append(table);
			text.append(String
				.format("    bound with the budget on: 1 + 0.2 + the floor's share (1 retry/s over the run and "
						+ "one window) = %.3f requests per call%n", bound()));
			return text.toString();
		}

	}

}
