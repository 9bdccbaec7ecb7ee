package io.github.llmresilience.benchmarks.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.Target;

/**
 * (d) A full outage of the primary (every request answered 503) with a healthy fallback:
 * how many requests the primary still gets once its circuit is open, and how long the
 * calls take.
 */
final class Outage extends Scenario {

	static final String POLICY = "outage";

	Outage(ServerProcess server, Options options) {
		super(server, options, "outage");
	}

	Result run() throws InterruptedException {
		int calls = integer("calls");
		int concurrency = integer("concurrency");
		boolean circuitBreakers = Boolean.parseBoolean(this.options.string("outage-circuit-breaker"));
		StarterProperties properties = starterProperties().provider("primary", "sk-primary")
			.provider("backup", "sk-backup")
			.policy(POLICY, "primary", BenchServer.DOWN)
			.fallback(POLICY, "backup", BenchServer.BACKUP)
			.retry(POLICY, "max-attempts", 4)
			.retry(POLICY, "initial-backoff", "100ms")
			.retry(POLICY, "multiplier", 2)
			.retry(POLICY, "jitter", 0)
			.set("llm.defaults.circuit-breaker.enabled", circuitBreakers)
			// The same path on a target of its own, whose circuit opens during the
			// warm-up.
			.policy("warmup", "primary", BenchServer.DOWN + "-warmup")
			.fallback("warmup", "backup", BenchServer.BACKUP)
			.retry("warmup", "max-attempts", 4)
			.retry("warmup", "initial-backoff", "100ms")
			.retry("warmup", "jitter", 0);
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			int warmup = integer("warmup-calls");
			warmUp(llm, "warmup", warmup, concurrency);
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
			Side side = new Side(POLICY, calls);
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
			CallRunner runner = measure(side, calls, concurrency, (i) -> {
				startedAt[i] = System.nanoTime();
				return llm.chat(POLICY, request("o-" + i)).doOnNext((response) -> {
					attempts[i] = response.served().attempts();
					fallback[i] = response.served().fallback();
				}).doOnError(LlmException.class, (ex) -> attempts[i] = ex.attempts());
			});
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
			return new Result(calls, concurrency, runner, side.latencies, side.wall, before, after, primaryBefore,
					primaryAfter, upstream, List.copyOf(transitions), (opened == Long.MAX_VALUE) ? -1 : opened - start,
					clientCpu, serverCpu, warmup, circuitBreakers);
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
