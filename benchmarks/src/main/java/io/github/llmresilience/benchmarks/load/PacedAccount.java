package io.github.llmresilience.benchmarks.load;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * (f) An account with a request limit: the provider says on every n-th answer that the
 * limit is used up until a reset, and answers 429 to what arrives before it. With pacing
 * on, the starter holds its requests until the reset; with it off, it finds out from
 * 429s.
 */
final class PacedAccount extends Scenario {

	PacedAccount(ServerProcess server, Options options) {
		super(server, options, "paced");
	}

	Result run() throws InterruptedException {
		return new Result(side(false), side(true), this.options);
	}

	private Side side(boolean pacing) throws InterruptedException {
		StarterProperties properties = starterProperties().provider("account", "sk-bench")
			.set("llm.providers.account.rate-limit-headers", pacing)
			.set("llm.providers.account.circuit-breaker.enabled", false)
			.policy("paced", "account", BenchServer.PACED)
			.retry("paced", "max-attempts", 10)
			.retry("paced", "initial-backoff", "100ms");
		Side side = new Side(pacing ? "pacing on" : "pacing off", integer("calls"));
		measureOnStarter(side, pacing, properties, "paced", (call) -> call, (context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			side.rateLimited = timed(meters, "llm.attempts", "result", "rate-limited");
			side.paced = counted(meters, "llm.paced");
		});
		side.requests = this.server.counts().getOrDefault(BenchServer.PACED, 0L);
		return side;
	}

	/**
	 * One run.
	 */
	static final class Side extends Scenario.Side {

		long rateLimited;

		long paced;

		long requests;

		Side(String name, int calls) {
			super(name, calls);
		}

	}

	record Result(Side off, Side on, Options options) {

		boolean met() {
			return this.on.rateLimited < this.off.rateLimited && this.on.succeeded.sum() >= this.off.succeeded.sum();
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(f) a used-up rate limit: %,d calls, %d in flight; every %d-th answer says "
					+ "x-ratelimit-remaining-requests: 0 with a reset of %s ms, and requests before the reset get 429 "
					+ "(no Retry-After, the same headers); policy: 10 attempts, 100 ms backoff%n",
					this.options.integer("paced-calls"), this.options.integer("paced-concurrency"),
					this.options.integer("paced-every"), this.options.string("paced-reset-ms")));
			Table table = table(this.off, this.on, "on / off");
			table.row("429s received", this.off.rateLimited, this.on.rateLimited,
					Table.ratio((double) this.on.rateLimited / Math.max(1, this.off.rateLimited)));
			table.row("requests sent", this.off.requests, this.on.requests,
					Table.ratio((double) this.on.requests / Math.max(1, this.off.requests)));
			table.row("attempts held back (llm.paced)", this.off.paced, this.on.paced, "");
			table.row("calls served", this.off.succeeded, this.on.succeeded, "");
			table.row("calls failed", this.off.failed, this.on.failed, "");
			latencyAndWallRows(table, this.off, this.on);
			text.append(table);
			return text.toString();
		}

	}

}
