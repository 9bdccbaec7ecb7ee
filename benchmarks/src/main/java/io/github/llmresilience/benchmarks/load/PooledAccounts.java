package io.github.llmresilience.benchmarks.load;

import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * (pool) Two accounts of one model, each with a limit of requests per window that its
 * answers report in OpenAI's {@code x-ratelimit-*} headers and that it enforces with a
 * 429 without {@code Retry-After}: the same calls through a chain (the first account, the
 * second as its fallback) and then through a pool of both, in one run. The chain sends to
 * the second account only once the first is given up; the pool spreads the calls over
 * both and moves a call sideways when one is full.
 */
final class PooledAccounts extends Scenario {

	static final String EAST = BenchServer.POOL_ACCOUNT + "east";

	static final String WEST = BenchServer.POOL_ACCOUNT + "west";

	PooledAccounts(ServerProcess server, Options options) {
		super(server, options, "pool");
	}

	Result run() throws InterruptedException {
		return new Result(side(false), side(true), this.options);
	}

	private Side side(boolean pool) throws InterruptedException {
		StarterProperties properties = starterProperties().provider("east", "sk-east")
			.provider("west", "sk-west")
			.set("llm.providers.east.circuit-breaker.enabled", false)
			.set("llm.providers.west.circuit-breaker.enabled", false)
			.retry("accounts", "max-attempts", 6);
		if (pool) {
			properties.set("llm.policies.accounts.pool.members[0].provider", "east")
				.set("llm.policies.accounts.pool.members[0].model", EAST)
				.set("llm.policies.accounts.pool.members[0].model-family", "account")
				.set("llm.policies.accounts.pool.members[1].provider", "west")
				.set("llm.policies.accounts.pool.members[1].model", WEST)
				.set("llm.policies.accounts.pool.members[1].model-family", "account");
		}
		else {
			properties.policy("accounts", "east", EAST).fallback("accounts", "west", WEST);
		}
		Side side = new Side(pool ? "pool" : "chain", integer("calls"));
		measureOnStarter(side, pool, properties, "accounts", (call) -> call, (context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			side.rateLimitedSeen = timed(meters, "llm.attempts", "result", "rate-limited");
			side.paced = counted(meters, "llm.paced");
			side.sideways = counted(meters, "llm.retries");
			side.fallbacks = counted(meters, "llm.fallbacks");
		});
		Map<String, Long> counts = this.server.counts();
		side.eastRequests = counts.getOrDefault(EAST, 0L);
		side.westRequests = counts.getOrDefault(WEST, 0L);
		side.eastRejected = counts.getOrDefault(EAST + BenchServer.REJECTED, 0L);
		side.westRejected = counts.getOrDefault(WEST + BenchServer.REJECTED, 0L);
		return side;
	}

	/**
	 * One run: what the client counted, and what each account saw.
	 */
	static final class Side extends Scenario.Side {

		long rateLimitedSeen;

		long paced;

		long sideways;

		long fallbacks;

		long eastRequests;

		long westRequests;

		long eastRejected;

		long westRejected;

		Side(String name, int calls) {
			super(name, calls);
		}

		long rejected() {
			return this.eastRejected + this.westRejected;
		}

	}

	record Result(Side chain, Side pool, Options options) {

		/**
		 * The pool serves every call the chain serves, in at most three quarters of its
		 * wall time, with no more 429s.
		 */
		boolean met() {
			return this.pool.succeeded.sum() >= this.chain.succeeded.sum() && this.pool.wall < this.chain.wall * 0.75
					&& this.pool.rejected() <= this.chain.rejected();
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String
				.format("(pool) two accounts of %d requests per %s ms each, OpenAI's x-ratelimit-* headers "
						+ "on every answer and 429 without Retry-After beyond the limit; %d calls, %d in flight; the chain "
						+ "(the first account, then the second as its fallback) against a pool of both (weighted 1:1); "
						+ "6 attempts per slot, other retry settings the defaults%n",
						this.options.integer("pool-per-window"), this.options.string("pool-window-ms"),
						this.options.integer("pool-calls"), this.options.integer("pool-concurrency")));
			Table table = table(this.chain, this.pool, "pool / chain");
			table.row("requests to the first account", this.chain.eastRequests, this.pool.eastRequests, "");
			table.row("  of which 429", this.chain.eastRejected, this.pool.eastRejected, "");
			table.row("requests to the second account", this.chain.westRequests, this.pool.westRequests, "");
			table.row("  of which 429", this.chain.westRejected, this.pool.westRejected, "");
			table.row("429s received", this.chain.rejected(), this.pool.rejected(),
					Table.ratio((double) this.pool.rejected() / Math.max(1, this.chain.rejected())));
			table.row("retries and sideways moves (llm.retries)", this.chain.sideways, this.pool.sideways, "");
			table.row("fallbacks (llm.fallbacks)", this.chain.fallbacks, this.pool.fallbacks, "");
			table.row("attempts held back (llm.paced)", this.chain.paced, this.pool.paced, "");
			table.row("calls served", this.chain.succeeded, this.pool.succeeded, "");
			table.row("calls failed", this.chain.failed, this.pool.failed, "");
			latencyAndWallRows(table, this.chain, this.pool);
			table.row("wall time, pool / chain", "", "",
					Table.ratio((double) this.pool.wall / Math.max(1, this.chain.wall)));
			text.append(table);
			return text.toString();
		}

	}

}
