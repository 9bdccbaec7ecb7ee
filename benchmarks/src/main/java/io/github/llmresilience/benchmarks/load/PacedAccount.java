package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;

/**
 * (f) An account with a request limit: the provider says on every n-th answer that the
 * limit is used up until a reset, and answers 429 to what arrives before it. With pacing
 * on, the starter holds its requests until the reset; with it off, it finds out from
 * 429s.
 */
final class PacedAccount {

	private final ServerProcess server;

	private final Options options;

	PacedAccount(ServerProcess server, Options options) {
		this.server = server;
		this.options = options;
	}

	Result run() throws InterruptedException {
		return new Result(side(false), side(true), this.options);
	}

	private Side side(boolean pacing) throws InterruptedException {
		int calls = this.options.integer("paced-calls");
		int concurrency = this.options.integer("paced-concurrency");
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("llm.providers.account.base-url", this.server.rootUrl() + "/account/v1");
		properties.put("llm.providers.account.api-key", "sk-bench");
		properties.put("llm.providers.account.rate-limit-headers", pacing);
		properties.put("llm.providers.account.circuit-breaker.enabled", false);
		properties.put("llm.policies.paced.provider", "account");
		properties.put("llm.policies.paced.model", BenchServer.PACED);
		properties.put("llm.policies.paced.retry.max-attempts", 10);
		properties.put("llm.policies.paced.retry.initial-backoff", "100ms");
		Side side = new Side(pacing ? "pacing on" : "pacing off", calls);
		this.server.reset();
		try (ConfigurableApplicationContext context = StarterApp.start(properties)) {
			LlmClient llm = context.getBean(LlmClient.class);
			CallRunner runner = new CallRunner();
			String prefix = pacing ? "on-" : "off-";
			side.wall = runner.run(calls, concurrency,
					(i) -> llm.chat("paced", ChatRequest.builder().user(Wire.content(prefix + i)).build())
						.doOnNext((response) -> side.served.incrementAndGet()),
					side.latencies);
			side.failed = runner.failed.get();
			var meters = context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
			side.rateLimited = (long) meters.find("llm.attempts")
				.tag("result", "rate-limited")
				.timers()
				.stream()
				.mapToLong(io.micrometer.core.instrument.Timer::count)
				.sum();
			side.paced = (long) meters.find("llm.paced")
				.counters()
				.stream()
				.mapToDouble(io.micrometer.core.instrument.Counter::count)
				.sum();
		}
		side.requests = this.server.counts().getOrDefault(BenchServer.PACED, 0L);
		return side;
	}

	/**
	 * One run.
	 */
	static final class Side {

		final String name;

		final Latencies latencies;

		final AtomicLong served = new AtomicLong();

		long wall;

		long failed;

		long rateLimited;

		long paced;

		long requests;

		Side(String name, int calls) {
			this.name = name;
			this.latencies = new Latencies(calls);
		}

	}

	record Result(Side off, Side on, Options options) {

		boolean met() {
			return this.on.rateLimited < this.off.rateLimited && this.on.served.get() >= this.off.served.get();
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(f) a used-up rate limit: %,d calls, %d in flight; every %d-th answer says "
					+ "x-ratelimit-remaining-requests: 0 with a reset of %s ms, and requests before the reset get 429 "
					+ "(no Retry-After, the same headers); policy: 10 attempts, 100 ms backoff%n",
					this.options.integer("paced-calls"), this.options.integer("paced-concurrency"),
					this.options.integer("paced-every"), this.options.string("paced-reset-ms")));
			Table table = new Table("", this.off.name, this.on.name, "on / off");
			table.row("429s received", this.off.rateLimited, this.on.rateLimited,
					Table.ratio((double) this.on.rateLimited / Math.max(1, this.off.rateLimited)));
			table.row("requests sent", this.off.requests, this.on.requests,
					Table.ratio((double) this.on.requests / Math.max(1, this.off.requests)));
			table.row("attempts held back (llm.paced)", this.off.paced, this.on.paced, "");
			table.row("calls served", this.off.served.get(), this.on.served.get(), "");
			table.row("calls failed", this.off.failed, this.on.failed, "");
			table.row("p50 latency", Table.millis(this.off.latencies.percentileMillis(50)),
					Table.millis(this.on.latencies.percentileMillis(50)), "");
			table.row("p99 latency", Table.millis(this.off.latencies.percentileMillis(99)),
					Table.millis(this.on.latencies.percentileMillis(99)), "");
			table.row("wall time", Table.seconds(this.off.wall), Table.seconds(this.on.wall), "");
			text.append(table);
			return text.toString();
		}

	}

}
