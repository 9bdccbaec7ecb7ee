package io.github.llmresilience.benchmarks.load;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.LlmClient;

/**
 * (g) Hedged requests against a primary with slow calls: the primary answers after
 * {@code hedge-fast-ms} (200 ms) for most calls and after {@code hedge-slow-ms} (5 s) for
 * a share of them ({@code hedge-slow-share}, 10 %), drawn from the call so that both
 * policies meet the same slow calls; the fallback always answers after
 * {@code hedge-fast-ms}. The same calls run through a policy without hedging and through
 * one that hedges on the fallback after {@code hedge-delay-ms}, in alternating rounds,
 * started at the same fixed rate (so that a policy that answers sooner does not get more
 * load): latency percentiles, and the extra requests the hedges cost, counted by the
 * server.
 */
final class HedgedRequests extends Scenario {

	static final String OFF = "hedge-off";

	static final String ON = "hedge-on";

	HedgedRequests(ServerProcess server, Options options) {
		super(server, options, "hedge");
	}

	Result run() throws InterruptedException {
		int calls = integer("calls");
		double rate = this.options.decimal("hedge-rate");
		int rounds = integer("rounds");
		int warmup = integer("warmup-calls");
		StarterProperties properties = starterProperties().provider("primary", "sk-primary")
			.provider("backup", "sk-backup");
		for (String policy : List.of(OFF, ON)) {
			properties.policy(policy, "primary", BenchServer.HEDGE_PRIMARY)
				.fallback(policy, "backup", BenchServer.HEDGE_FALLBACK);
		}
		properties.set("llm.policies." + ON + ".hedge.enabled", true)
			.set("llm.policies." + ON + ".hedge.delay", integer("delay-ms") + "ms");
		Side off = new Side(OFF, calls * rounds);
		Side on = new Side(ON, calls * rounds);
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			for (Side side : List.of(off, on)) {
				new CallRunner().runAtRate(warmup, rate, (i) -> llm.chat(side.name, request("w-" + i)),
						new Latencies(warmup));
			}
			for (int round = 0; round < rounds; round++) {
				// The order alternates, so that neither policy always runs on a warmer
				// machine.
				List<Side> order = (round % 2 == 0) ? List.of(off, on) : List.of(on, off);
				for (Side side : order) {
					this.server.reset();
					int first = round * calls;
					measureAtRate(side, calls, rate,
							(i) -> llm.chat(side.name, request("r" + side.name + "-" + (first + i)))
								.doOnNext((response) -> {
									if (response.served().hedge()) {
										side.hedgeAnswered.increment();
									}
								}));
					Map<String, Long> upstream = this.server.counts();
					side.primary.add(upstream.getOrDefault(BenchServer.HEDGE_PRIMARY, 0L));
					side.fallback.add(upstream.getOrDefault(BenchServer.HEDGE_FALLBACK, 0L));
				}
			}
		}
		return new Result(calls * rounds, rate, rounds, this.options, off, on);
	}

	/**
	 * One policy's measured rounds; its name is the policy's.
	 */
	static final class Side extends Scenario.Side {

		final LongAdder primary = new LongAdder();

		final LongAdder fallback = new LongAdder();

		final LongAdder hedgeAnswered = new LongAdder();

		Side(String policy, int calls) {
			super(policy, calls);
		}

		long requests() {
			return this.primary.sum() + this.fallback.sum();
		}

	}

	record Result(int calls, double rate, int rounds, Options options, Side off, Side on) {

		/**
		 * Every call answered, hedging lowers the p99, and no call sends more than one
		 * hedge.
		 */
		boolean met() {
			return this.off.succeeded.sum() == this.calls && this.on.succeeded.sum() == this.calls
					&& p(this.on, 99) < p(this.off, 99) && this.on.requests() <= 2L * this.calls;
		}

		double extraPerCall(Side side) {
			return (double) (side.requests() - this.calls) / this.calls;
		}

		static double p(Side side, double percentile) {
			return side.percentileMillis(percentile);
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(g) hedged requests: %,d calls per policy (%d rounds, alternating), started at "
					+ "%.0f calls/s; the primary (primary:%s) answers after %s ms, or after %s ms for %.0f %% of calls "
					+ "(the same calls for both policies); the fallback (backup:%s) after %s ms%n", this.calls,
					this.rounds, this.rate, BenchServer.HEDGE_PRIMARY, this.options.string("hedge-fast-ms"),
					this.options.string("hedge-slow-ms"), 100 * this.options.decimal("hedge-slow-share"),
					BenchServer.HEDGE_FALLBACK, this.options.string("hedge-fast-ms")));
			text.append(String.format(
					"    policy '%s': primary then fallback, no hedge; policy '%s': the same with "
							+ "hedge.enabled, hedge.delay %s ms, hedge.target next%n",
					OFF, ON, this.options.string("hedge-delay-ms")));
			Table table = new Table("", "hedging off", "hedging on", "on / off");
			table.row("success", Table.percent(this.off.succeeded.sum(), this.calls),
					Table.percent(this.on.succeeded.sum(), this.calls), "");
			for (double percentile : new double[] { 50, 90, 99 }) {
				table.row(String.format("p%.0f latency", percentile), Table.millis(p(this.off, percentile)),
						Table.millis(p(this.on, percentile)),
						Table.ratio(p(this.on, percentile) / p(this.off, percentile)));
			}
			table.row("max latency", Table.millis(p(this.off, 100)), Table.millis(p(this.on, 100)), "");
			table.row("upstream requests (server) primary / fallback",
					this.off.primary.sum() + " / " + this.off.fallback.sum(),
					this.on.primary.sum() + " / " + this.on.fallback.sum(), "");
			table.row("extra requests per call", Table.number(extraPerCall(this.off), 3),
					Table.number(extraPerCall(this.on), 3), "");
			table.row("answered by the hedge", this.off.hedgeAnswered.sum(), this.on.hedgeAnswered.sum(), "");
			table.row("wall time", Table.seconds(this.off.wall), Table.seconds(this.on.wall),
					Table.ratio((double) this.on.wall / this.off.wall));
			text.append(table);
			return text.toString();
		}

	}

}
