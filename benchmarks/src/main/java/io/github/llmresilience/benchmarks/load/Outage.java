package io.github.llmresilience.benchmarks.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.Target;

/**
 * (d) A full outage of the primary (every request answered 503) with a healthy fallback:
 * how many requests the primary still gets once its circuit is open, and how long the
 * calls take.
 */
final class Outage {

	static final String POLICY = "outage";

	private final ServerProcess server;

	private final Options options;

	Outage(ServerProcess server, Options options) {
		this.server = server;
		this.options = options;
	}

	Result run() throws InterruptedException {
		int calls = this.options.integer("outage-calls");
		int concurrency = this.options.integer("outage-concurrency");
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("llm.providers.primary.base-url", this.server.rootUrl() + "/primary/v1");
		properties.put("llm.providers.primary.api-key", "sk-primary");
		properties.put("llm.providers.backup.base-url", this.server.rootUrl() + "/backup/v1");
		properties.put("llm.providers.backup.api-key", "sk-backup");
		properties.put("llm.policies.outage.provider", "primary");
		properties.put("llm.policies.outage.model", BenchServer.DOWN);
		properties.put("llm.policies.outage.fallbacks[0].provider", "backup");
		properties.put("llm.policies.outage.fallbacks[0].model", BenchServer.BACKUP);
		properties.put("llm.policies.outage.retry.max-attempts", 4);
		properties.put("llm.policies.outage.retry.initial-backoff", "100ms");
		properties.put("llm.policies.outage.retry.multiplier", 2);
		properties.put("llm.policies.outage.retry.jitter", 0);
		boolean circuitBreakers = Boolean.parseBoolean(this.options.string("outage-circuit-breaker"));
		properties.put("llm.defaults.circuit-breaker.enabled", circuitBreakers);
		// The same path on a target of its own, whose circuit opens during the warm-up.
		properties.put("llm.policies.warmup.provider", "primary");
		properties.put("llm.policies.warmup.model", BenchServer.DOWN + "-warmup");
		properties.put("llm.policies.warmup.fallbacks[0].provider", "backup");
		properties.put("llm.policies.warmup.fallbacks[0].model", BenchServer.BACKUP);
		properties.put("llm.policies.warmup.retry.max-attempts", 4);
		properties.put("llm.policies.warmup.retry.initial-backoff", "100ms");
		properties.put("llm.policies.warmup.retry.jitter", 0);
		try (ConfigurableApplicationContext context = StarterApp.start(properties)) {
			LlmClient llm = context.getBean(LlmClient.class);
			int warmup = this.options.integer("outage-warmup-calls");
			new CallRunner().run(warmup, concurrency,
					(i) -> llm.chat("warmup", ChatRequest.builder().user(Wire.content("w-" + i)).build()),
					new Latencies(warmup));
			this.server.reset();
			CircuitBreaker circuitBreaker = context.getBean(TargetResilience.class)
				.circuitBreakers()
				.get(new Target("primary", BenchServer.DOWN));
			if (circuitBreaker == null) {
				// Circuit breakers off: a breaker of our own that never sees a call
				// stands in, so
				// that every call counts as started before the (never) open circuit.
				circuitBreaker = CircuitBreaker.ofDefaults("none");
			}
			List<String> transitions = Collections.synchronizedList(new ArrayList<>());
			AtomicLong openedAt = new AtomicLong(Long.MAX_VALUE);
			long[] startedAt = new long[calls];
			int[] attempts = new int[calls];
			boolean[] fallback = new boolean[calls];
			CallRunner runner = new CallRunner();
			Latencies latencies = new Latencies(calls);
			long clientCpu = Cpu.thisProcess();
			long serverCpu = this.server.cpuNanos();
			long start = System.nanoTime();
			circuitBreaker.getEventPublisher().onStateTransition((event) -> {
				long now = System.nanoTime();
				transitions.add(event.getStateTransition() + " at " + Table.seconds(now - start));
				if (event.getStateTransition().getToState() == State.OPEN) {
					openedAt.compareAndSet(Long.MAX_VALUE, now);
				}
			});
			long wall = runner.run(calls, concurrency, (i) -> {
				startedAt[i] = System.nanoTime();
				return llm.chat(POLICY, ChatRequest.builder().user(Wire.content("o-" + i)).build())
					.doOnNext((response) -> {
						attempts[i] = response.served().attempts();
						fallback[i] = response.served().fallback();
					})
					.doOnError(LlmException.class, (ex) -> attempts[i] = ex.attempts());
			}, latencies);
			clientCpu = Cpu.thisProcess() - clientCpu;
			serverCpu = this.server.cpuNanos() - serverCpu;
			Map<String, Long> upstream = this.server.counts();
			long opened = openedAt.get();
			int before = 0;
			int after = 0;
			long primaryBefore = 0;
			long primaryAfter = 0;
			Latencies afterLatencies = new Latencies(calls);
			for (int i = 0; i < calls; i++) {
				// The fallback answers at once, so every other request of a call went to
				// the primary.
				long primary = fallback[i] ? attempts[i] - 1 : attempts[i];
				if (startedAt[i] < opened) {
					before++;
					primaryBefore += primary;
				}
				else {
					after++;
					primaryAfter += primary;
				}
			}
			return new Result(calls, concurrency, runner, latencies, wall, before, after, primaryBefore, primaryAfter,
					upstream, List.copyOf(transitions), (opened == Long.MAX_VALUE) ? -1 : opened - start, clientCpu,
					serverCpu, warmup, circuitBreakers);
		}
	}

	record Result(int calls, int concurrency, CallRunner runner, Latencies latencies, long wall, int callsBeforeOpen,
			int callsAfterOpen, long primaryBeforeOpen, long primaryAfterOpen, Map<String, Long> upstream,
			List<String> transitions, long openedAfterNanos, long clientCpuNanos, long serverCpuNanos, int warmupCalls,
			boolean circuitBreakers) {

		double primaryPerCallAfterOpen() {
			return (this.callsAfterOpen == 0) ? Double.NaN : (double) this.primaryAfterOpen / this.callsAfterOpen;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(d) outage: %,d calls, %d in flight; the primary (primary:%s) answers every "
					+ "request 503, the fallback (backup:%s) 200; warm-up: %,d calls of the same policy on another "
					+ "target%n", this.calls, this.concurrency, BenchServer.DOWN, BenchServer.BACKUP,
					this.warmupCalls));
			text.append(
					"    policy 'outage': max-attempts 4, initial-backoff 100ms, multiplier 2, jitter 0 (100+200+400 "
							+ "ms of waits per try of the primary); "
							+ (this.circuitBreakers
									? "circuit breaker defaults: window "
											+ "20, minimum 10 calls, 50 %, open 30s, 2 calls half-open"
									: "circuit breakers OFF " + "(llm.defaults.circuit-breaker.enabled=false)")
							+ "\n");
			Table table = new Table("", "value");
			table.row("calls succeeded", Table.percent(this.runner.succeeded.get(), this.calls));
			table.row("circuit opened after",
					(this.openedAfterNanos < 0) ? "never" : Table.seconds(this.openedAfterNanos));
			table.row("calls started before it opened",
					this.callsBeforeOpen + " (" + this.primaryBeforeOpen + " primary requests)");
			table.row("calls started once it was open", this.callsAfterOpen);
			table.row("primary requests per call once open",
					Table.number(primaryPerCallAfterOpen(), 4) + " (" + this.primaryAfterOpen + " in all)");
			table.row("upstream requests (server) primary / fallback", this.upstream.getOrDefault(BenchServer.DOWN, 0L)
					+ " / " + this.upstream.getOrDefault(BenchServer.BACKUP, 0L));
			table.row("wall time", Table.seconds(this.wall));
			table.row("throughput", Table.number(this.calls / (this.wall / 1e9), 0) + " calls/s");
			table.row("latency p50 / p99", Table.millis(this.latencies.percentileMillis(50)) + " / "
					+ Table.millis(this.latencies.percentileMillis(99)));
			table.row("client / server CPU per call", Table.number(this.clientCpuNanos / 1e3 / this.calls, 1) + " µs / "
					+ Table.number(this.serverCpuNanos / 1e3 / this.calls, 1) + " µs");
			text.append(table);
			text.append("    circuit transitions: ").append(this.transitions).append('\n');
			text.append(this.runner.errorSummary());
			return text.toString();
		}

	}

}
