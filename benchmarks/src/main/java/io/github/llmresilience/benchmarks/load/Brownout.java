package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;

/**
 * (e) A brownout: 40 % of the attempts to the primary provider answer 503 while its
 * circuit stays closed, and a second provider serves what the primary gives up. With the
 * retry budget off, every call retries until it is served (about 1.6 requests per call);
 * with it on, retries may add only the budget's ratio to the first requests, plus its
 * floor.
 */
final class Brownout {

	private final ServerProcess server;

	private final Options options;

	Brownout(ServerProcess server, Options options) {
		this.server = server;
		this.options = options;
	}

	Result run() throws InterruptedException {
		return new Result(side(false), side(true), this.options);
	}

	private Side side(boolean budget) throws InterruptedException {
		int calls = this.options.integer("brownout-calls");
		int concurrency = this.options.integer("brownout-concurrency");
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("llm.providers.sick.base-url", this.server.rootUrl() + "/sick/v1");
		properties.put("llm.providers.sick.api-key", "sk-bench");
		// The circuit stays closed: a brownout is not an outage.
		properties.put("llm.providers.sick.circuit-breaker.enabled", false);
		properties.put("llm.providers.sick.retry-budget.enabled", budget);
		properties.put("llm.providers.backup.base-url", this.server.rootUrl() + "/backup/v1");
		properties.put("llm.providers.backup.api-key", "sk-bench");
		properties.put("llm.policies.brownout.provider", "sick");
		properties.put("llm.policies.brownout.model", BenchServer.BROWNOUT);
		properties.put("llm.policies.brownout.fallbacks[0].provider", "backup");
		properties.put("llm.policies.brownout.fallbacks[0].model", BenchServer.BACKUP);
		properties.put("llm.policies.brownout.retry.max-attempts", 4);
		properties.put("llm.policies.brownout.retry.initial-backoff", "10ms");
		properties.put("llm.policies.brownout.retry.jitter", 0.5);
		Side side = new Side(budget ? "retry budget on" : "retry budget off", calls);
		this.server.reset();
		try (ConfigurableApplicationContext context = StarterApp.start(properties)) {
			LlmClient llm = context.getBean(LlmClient.class);
			CallRunner runner = new CallRunner();
			String prefix = budget ? "on-" : "off-";
			side.wall = runner.run(calls, concurrency,
					(i) -> llm.chat("brownout", ChatRequest.builder().user(Wire.content(prefix + i)).build())
						.doOnNext((response) -> side.served(response.served().fallback())),
					side.latencies);
			side.failed = runner.failed.get();
		}
		Map<String, Long> counts = this.server.counts();
		side.sick = counts.getOrDefault(BenchServer.BROWNOUT, 0L);
		side.backup = counts.getOrDefault(BenchServer.BACKUP, 0L);
		return side;
	}

	/**
	 * One run.
	 */
	static final class Side {

		final String name;

		final Latencies latencies;

		long wall;

		long served;

		long fallbacks;

		long failed;

		long sick;

		long backup;

		Side(String name, int calls) {
			this.name = name;
			this.latencies = new Latencies(calls);
		}

		synchronized void served(boolean fallback) {
			this.served++;
			if (fallback) {
				this.fallbacks++;
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
					&& this.on.served + this.on.failed == this.options.integer("brownout-calls");
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String
				.format("(e) brownout: %,d calls, %d in flight; each attempt to provider 'sick' answers 503 "
						+ "with %.0f %% chance (seeded per call and attempt), its circuit breaker off; policy: 4 attempts, "
						+ "10 ms backoff, then provider 'backup'; retry budget ratio 0.2, window 10s, 1 retry/s%n",
						this.options.integer("brownout-calls"), this.options.integer("brownout-concurrency"),
						100 * this.options.decimal("brownout")));
			Table table = new Table("", this.off.name, this.on.name, "on / off");
			table.row("requests to 'sick' per logical call", Table.number(perCall(this.off), 3),
					Table.number(perCall(this.on), 3), Table.ratio(perCall(this.on) / perCall(this.off)));
			table.row("requests to 'backup'", this.off.backup, this.on.backup, "");
			table.row("calls served", this.off.served, this.on.served, "");
			table.row("served by 'backup'", this.off.fallbacks, this.on.fallbacks, "");
			table.row("calls failed", this.off.failed, this.on.failed, "");
			table.row("p50 latency", Table.millis(this.off.latencies.percentileMillis(50)),
					Table.millis(this.on.latencies.percentileMillis(50)), "");
			table.row("p99 latency", Table.millis(this.off.latencies.percentileMillis(99)),
					Table.millis(this.on.latencies.percentileMillis(99)), "");
			table.row("wall time", Table.seconds(this.off.wall), Table.seconds(this.on.wall), "");
			text.append(table);
			text.append(String
				.format("    bound with the budget on: 1 + 0.2 + the floor's share (1 retry/s over the run and "
						+ "one window) = %.3f requests per call%n", bound()));
			return text.toString();
		}

	}

}
