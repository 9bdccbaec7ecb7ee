package io.github.llmresilience.benchmarks.load;

import java.util.Map;
import java.util.TreeMap;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * (l) Reservations against the rate-limit headers: an account of 10 requests per 2 s that
 * answers 429 over it and sends OpenAI's headers on every answer. With reservations on,
 * each request sent after the answer that reported what is left is subtracted from it;
 * off, the starter holds its requests back only once a header says nothing is left. Two
 * runs, each off then on: 60 calls at 10 in flight (the bound reservations aim at: at
 * most 10 × 429, the first window's), and 100 calls at 20 in flight.
 */
final class AccountReservations extends Scenario {

	AccountReservations(ServerProcess server, Options options) {
		super(server, options, "reservations");
	}

	Result run() throws InterruptedException {
		return new Result(side(false, ""), side(true, ""), side(false, "wide-"), side(true, "wide-"), this.options);
	}

	/**
	 * Measure one side.
	 * @param reservations whether reservations are on
	 * @param run the run's options less the scenario's prefix: {@code ""} for
	 * {@code --reservations-calls} and {@code --reservations-concurrency}, {@code wide-}
	 * for {@code --reservations-wide-calls} and {@code --reservations-wide-concurrency}
	 * @return the side
	 * @throws InterruptedException if interrupted while the server resets its counts
	 */
	private Side side(boolean reservations, String run) throws InterruptedException {
		int calls = integer(run + "calls");
		int concurrency = integer(run + "concurrency");
		StarterProperties properties = starterProperties().provider("account", "sk-bench")
			.set("llm.providers.account.rate-limit.reservations", reservations)
			.set("llm.providers.account.circuit-breaker.enabled", false)
			.set("llm.providers.account.retry-budget.enabled", false)
			.policy("account", "account", BenchServer.ACCOUNT)
			.retry("account", "max-attempts", 10)
			.retry("account", "initial-backoff", "100ms");
		Side side = new Side(
				(reservations ? "reservations on" : "reservations off") + ", " + concurrency + " in flight", calls);
		measureOnStarter(side, (reservations ? "on-" : "off-") + concurrency + "-", calls, concurrency, properties,
				"account", (call) -> call, (context) -> {
					MeterRegistry meters = context.getBean(MeterRegistry.class);
					side.rateLimited = timed(meters, "llm.attempts", "result", "rate-limited");
					side.paced = counted(meters, "llm.paced");
				});
		Map<String, Long> counts = this.server.counts();
		side.requests = counts.getOrDefault(BenchServer.ACCOUNT, 0L);
		String prefix = BenchServer.ACCOUNT + BenchServer.REJECTED + "/";
		counts.forEach((key, count) -> {
			if (key.startsWith(prefix + "window-")) {
				side.byWindow.put(Integer.parseInt(key.substring((prefix + "window-").length())), count);
			}
			else if (key.startsWith(prefix + "tenth-")) {
				side.byTenth.put(Integer.parseInt(key.substring((prefix + "tenth-").length())), count);
			}
		});
		return side;
	}

	/**
	 * One run.
	 */
	static final class Side extends Scenario.Side {

		long rateLimited;

		long paced;

		long requests;

		/**
		 * The 429s of each window, numbered from the side's first request.
		 */
		final Map<Integer, Long> byWindow = new TreeMap<>();

		/**
		 * The 429s by how far into its window (in tenths) the request arrived.
		 */
		final Map<Integer, Long> byTenth = new TreeMap<>();

		final int calls;

		Side(String name, int calls) {
			super(name, calls);
			this.calls = calls;
		}

	}

	record Result(Side off, Side on, Side wideOff, Side wideOn, Options options) {

		/**
		 * The bound reservations aim at, and fewer 429s with reservations than without in
		 * both runs, every call served.
		 */
		boolean met() {
			return this.on.rateLimited <= this.options.integer("account-requests")
					&& this.on.rateLimited < this.off.rateLimited && this.wideOn.rateLimited < this.wideOff.rateLimited
					&& this.on.succeeded.sum() == this.on.calls && this.wideOn.succeeded.sum() == this.wideOn.calls;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(l) reservations against the rate-limit headers: an account of %d requests per "
					+ "%s ms that answers 429 over it (OpenAI's headers on every answer, no Retry-After); policy: 10 "
					+ "attempts, 100 ms backoff, circuit breaker and retry budget off%n",
					this.options.integer("account-requests"), this.options.string("account-window-ms")));
			text.append(rows(this.off, this.on));
			text.append(rows(this.wideOff, this.wideOn));
			return text.toString();
		}

		private static String rows(Side off, Side on) {
			Table table = table(off, on, "on / off");
			table.row("429s received", off.rateLimited, on.rateLimited,
					Table.ratio((double) on.rateLimited / Math.max(1, off.rateLimited)));
			table.row("requests sent", off.requests, on.requests, "");
			table.row("requests held back (llm.paced)", off.paced, on.paced, "");
			table.row("calls served", off.succeeded, on.succeeded, "");
			table.row("calls failed", off.failed, on.failed, "");
			latencyAndWallRows(table, off, on);
			return table + "429s by window (from the first request): off " + off.byWindow + ", on " + on.byWindow
					+ String.format("%n") + "429s by tenth of the window they arrived in: off " + off.byTenth + ", on "
					+ on.byTenth + String.format("%n");
		}

	}

}
