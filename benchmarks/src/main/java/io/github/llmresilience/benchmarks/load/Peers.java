package io.github.llmresilience.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;

/**
 * The {@code peers} scenario: the starter side by side with a bare {@code WebClient} and
 * the Java peers (openai-java, LangChain4j's {@code OpenAiChatModel}, Spring AI's OpenAI
 * {@code ChatModel}), each built at its defaults and driven as its users drive it
 * ({@link Peer}), in one JVM, against the same server in its own JVM, with the same
 * calls, bodies and answers.
 * <ol>
 * <li><b>Happy path</b>, a server that answers at once: every client is set up in turn
 * (what it holds on the heap and the threads it starts are measured then), warmed up
 * until its CPU time per call is steady, then measured in rounds whose order rotates, so
 * that no client always runs first or after the same one.</li>
 * <li><b>Fault mix</b>: the same calls through each client in turn, each attempt answered
 * 429 with {@code Retry-After}, 503 or 200 as scenario (c) draws them (the same faults
 * for call {@code i} of every client), each client at its default retry policy.</li>
 * </ol>
 */
final class Peers extends Scenario {

	private ResourceMonitor.@Nullable Peaks peaks;

	private long heapAfterHappyPath;

	Peers(ServerProcess server, Options options) {
		super(server, options, "peers");
	}

	Result run() throws Exception {
		List<String> keys = this.options.list("peers-clients");
		int concurrency = integer("concurrency");
		String baseUrl = this.server.rootUrl() + "/bench/v1";
		int port = URI.create(this.server.rootUrl()).getPort();
		List<Side> sides = happyPath(keys, baseUrl, port, concurrency);
		List<MixSide> mix = Boolean.parseBoolean(this.options.string("peers-mix"))
				? faultMix(keys, baseUrl, concurrency) : List.of();
		return new Result(this.options, sides, this.peaks, this.heapAfterHappyPath, mix);
	}

	private List<Side> happyPath(List<String> keys, String baseUrl, int port, int concurrency) throws Exception {
		int calls = integer("calls");
		int rounds = integer("rounds");
		int prime = integer("prime-calls");
		// Every client is built, probed and primed in turn, so that what it holds and the
		// threads it
		// starts are its own; the bare WebClient comes first and also pays for what all
		// share.
		ThreadCensus census = new ThreadCensus("before");
		ResourceMonitor monitor = new ResourceMonitor(Map.of());
		List<Side> sides = new ArrayList<>();
		this.server.reset();
		try {
			for (String key : keys) {
				long heapBefore = heapAfterGc();
				progress("setting up " + key);
				Side side = new Side(Peer.create(key, baseUrl, BenchServer.HAPPY, concurrency, okHttpIdle()),
						calls * rounds);
				sides.add(side);
				String probe = BenchServer.PROBE_PREFIX + key + "-";
				side.peer.run(side.unmeasured, 1, concurrency, probe, new Latencies(1));
				side.probe = this.server.probe(probe + 0);
				side.peer.run(side.unmeasured, prime, concurrency, "p-", new Latencies(prime));
				census.claim(key);
				side.threadsAdded = census.owned(key);
				side.heapHeld = heapAfterGc() - heapBefore;
			}
			warmUpAndMeasure(sides, census, calls, concurrency, port);
			this.heapAfterHappyPath = heapAfterGc();
			this.peaks = monitor.stop();
		}
		finally {
			monitor.close();
			for (Side side : sides) {
				side.peer.close();
			}
		}
		return sides;
	}

	/**
	 * Warm every client up until its CPU time per call changes by less than 10 % from one
	 * round to the next (at least {@code peers-warmup-rounds}, at most
	 * {@code peers-max-warmup-rounds}), then run the measured rounds, in an order that
	 * rotates.
	 */
	private void warmUpAndMeasure(List<Side> sides, ThreadCensus census, int calls, int concurrency, int port)
			throws Exception {
		int rounds = integer("rounds");
		int min = integer("warmup-rounds");
		int max = integer("max-warmup-rounds");
		double[] previous = new double[sides.size()];
		int warmupRounds = -max;
		for (int r = 1; r <= max; r++) {
			boolean steady = true;
			for (int i = 0; i < sides.size(); i++) {
				Side side = sides.get(i);
				long cpu = Cpu.thisProcess();
				side.peer.run(side.unmeasured, calls, concurrency, "w-", new Latencies(calls));
				double perCall = (double) (Cpu.thisProcess() - cpu) / calls;
				census.claim(side.peer.key);
				steady &= previous[i] > 0 && Math.abs(perCall - previous[i]) / previous[i] < 0.10;
				previous[i] = perCall;
			}
			progress("warm-up round " + r + " done");
			if (steady && r >= min) {
				warmupRounds = r;
				break;
			}
		}
		for (Side side : sides) {
			side.warmupRounds = warmupRounds;
		}
		this.server.reset();
		for (int r = 0; r < rounds; r++) {
			for (int k = 0; k < sides.size(); k++) {
				sides.get((k + r) % sides.size()).round(this.server, census, calls, concurrency, port);
			}
			progress("measured round " + (r + 1) + " of " + rounds + " done");
		}
	}

	private List<MixSide> faultMix(List<String> keys, String baseUrl, int concurrency) throws Exception {
		int calls = integer("mix-calls");
		int warmupCalls = integer("mix-warmup-calls");
		List<MixSide> sides = new ArrayList<>();
		for (String key : keys) {
			progress("fault mix: " + key);
			try (Peer peer = Peer.create(key, baseUrl, BenchServer.MIX_PRIMARY, concurrency, okHttpIdle())) {
				// The paths of failures and retries, which the happy path never took, are
				// compiled
				// first; the same faults as the first measured calls, counted apart.
				CallRunner warmup = new CallRunner();
				peer.run(warmup, warmupCalls, concurrency, "mw-" + key + "-", new Latencies(warmupCalls));
				this.server.reset();
				CallRunner runner = new CallRunner();
				Latencies latencies = new Latencies(calls);
				// "<key>-<i>": the server draws the faults of call i from i alone, so
				// every client
				// meets the same faults.
				long wall = peer.run(runner, calls, concurrency, key + "-", latencies);
				sides.add(new MixSide(peer.name, peer.retries, runner, latencies, wall,
						this.server.count(BenchServer.MIX_PRIMARY)));
			}
		}
		return sides;
	}

	/**
	 * Say where the scenario is: it runs for minutes and prints its report at the end.
	 */
	private static void progress(String step) {
		System.out.printf("(peers) %tT %s%n", System.currentTimeMillis(), step);
	}

	private @Nullable Integer okHttpIdle() {
		String value = this.options.string("peers-okhttp-idle-connections");
		return "default".equals(value) ? null : Integer.valueOf(value);
	}

	private static long heapAfterGc() {
		System.gc();
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	/**
	 * One client's happy path.
	 */
	static final class Side extends RoundTotals {

		final Peer peer;

		final CallRunner runner = new CallRunner();

		/**
		 * The probe, the first calls and the warm-up: not measured, but their errors are
		 * reported.
		 */
		final CallRunner unmeasured = new CallRunner();

		final Latencies latencies;

		final List<Double> roundThroughputs = new ArrayList<>();

		String[] probe = { "-", "-" };

		long heapHeld;

		int threadsAdded;

		int threadsUsed;

		String threadNames = "";

		int warmupRounds;

		long allocatedBytes;

		long connectionsOpened;

		Side(Peer peer, int capacity) {
			this.peer = peer;
			this.latencies = new Latencies(capacity);
		}

		void round(ServerProcess server, ThreadCensus census, int n, int concurrency, int port) throws Exception {
			Set<Integer> connections = Sockets.connections(port);
			ThreadCensus.Snapshot before = census.snapshot();
			long wall = measure(n, server, () -> this.peer.run(this.runner, n, concurrency, "h-", this.latencies));
			ThreadCensus.Usage usage = before.until(census.snapshot(), this.peer.key, this.peer.sharedThreads);
			this.allocatedBytes += usage.allocatedBytes();
			if (usage.threadsThatRan() >= this.threadsUsed) {
				this.threadsUsed = usage.threadsThatRan();
				this.threadNames = usage.describe();
			}
			census.claim(this.peer.key);
			this.threadsAdded = Math.max(this.threadsAdded, census.owned(this.peer.key));
			long opened = Sockets.opened(connections, Sockets.connections(port));
			this.connectionsOpened = (opened < 0 || this.connectionsOpened < 0) ? -1 : this.connectionsOpened + opened;
			this.roundThroughputs.add(n / (wall / 1e9));
		}

		double allocatedKib() {
			return this.allocatedBytes / 1024.0 / this.calls;
		}

		double p50() {
			return this.latencies.percentileMillis(50);
		}

		double p99() {
			return this.latencies.percentileMillis(99);
		}

	}

	/**
	 * One client's fault mix.
	 *
	 * @param name the client
	 * @param retries its default retry policy
	 * @param runner the outcomes
	 * @param latencies the latencies
	 * @param wallNanos the wall time
	 * @param upstream the requests the server received
	 */
	record MixSide(String name, String retries, CallRunner runner, Latencies latencies, long wallNanos, long upstream) {

	}

	record Result(Options options, List<Side> sides, ResourceMonitor.@Nullable Peaks peaks, long heapAfterHappyPath,
			List<MixSide> mix) {

		private static final List<String> PEERS = List.of("openai", "langchain4j", "springai");

		private @Nullable Side side(String key) {
			return this.sides.stream().filter((side) -> side.peer.key.equals(key)).findFirst().orElse(null);
		}

		private List<Side> peers() {
			return this.sides.stream().filter((side) -> PEERS.contains(side.peer.key)).toList();
		}

		/**
		 * The performance targets against the peers (docs/project/benchmarks.md), for the
		 * peers in this run.
		 * @return a verdict line per target: {@code true} when met
		 */
		Map<String, Boolean> verdicts() {
			Side starter = side("starter");
			List<Side> peers = peers();
			Map<String, Boolean> verdicts = new java.util.LinkedHashMap<>();
			if (starter == null || peers.isEmpty()) {
				return verdicts;
			}
			Side cpu = best(peers, Side::clientCpuMicros, true);
			verdicts.put(
					"(peers) starter CPU per call below every peer's: " + micros(starter.clientCpuMicros())
							+ " against " + micros(cpu.clientCpuMicros()) + " (" + cpu.peer.name + ")",
					starter.clientCpuMicros() < cpu.clientCpuMicros());
			Side threads = best(peers, (side) -> side.threadsUsed, true);
			verdicts.put(
					"(peers) starter uses fewer threads than every peer: " + starter.threadsUsed + " against "
							+ threads.threadsUsed + " (" + threads.peer.name + ")",
					starter.threadsUsed < threads.threadsUsed);
			Side fastest = best(peers, Side::throughput, false);
			verdicts.put(
					"(peers) starter calls/s at least the best peer's: " + Table.number(starter.throughput(), 0)
							+ " against " + Table.number(fastest.throughput(), 0) + " (" + fastest.peer.name + ")",
					starter.throughput() >= fastest.throughput());
			MixSide starterMix = this.mix.stream()
				.filter((side) -> side.name().equals(starter.peer.name))
				.findFirst()
				.orElse(null);
			List<MixSide> peerMix = this.mix.stream()
				.filter((side) -> peers.stream().anyMatch((peer) -> peer.peer.name.equals(side.name())))
				.toList();
			if (starterMix != null && !peerMix.isEmpty()) {
				MixSide most = peerMix.stream()
					.max((a, b) -> Long.compare(a.runner().succeeded.get(), b.runner().succeeded.get()))
					.orElseThrow();
				verdicts.put(
						"(peers) fault mix: starter serves more calls than any peer: "
								+ starterMix.runner().succeeded.get() + " against " + most.runner().succeeded.get()
								+ " (" + most.name() + ")",
						starterMix.runner().succeeded.get() > most.runner().succeeded.get());
			}
			return verdicts;
		}

		private static Side best(List<Side> sides, ToDoubleFunction<Side> value, boolean lowest) {
			Side best = sides.get(0);
			for (Side side : sides) {
				double v = value.applyAsDouble(side);
				double b = value.applyAsDouble(best);
				if (lowest ? v < b : v > b) {
					best = side;
				}
			}
			return best;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			int calls = this.options.integer("peers-calls");
			int concurrency = this.options.integer("peers-concurrency");
			Side bare = side("bare");
			text.append(String.format("(peers) happy path, answers at once: %,d calls per round, %d in flight for "
					+ "every client, %d measured rounds per client (order rotating); each client first set up and "
					+ "primed with %,d calls, then warmed up: %s%n", calls, concurrency,
					this.options.integer("peers-rounds"), this.options.integer("peers-prime-calls"),
					this.sides.isEmpty() ? "-"
							: (this.sides.get(0).warmupRounds > 0)
									? this.sides.get(0).warmupRounds
											+ " rounds per client until CPU per call was steady"
									: -this.sides.get(0).warmupRounds
											+ " rounds per client (CPU per call not steady within 10 % yet)"));
			text.append("  what each client sent (the server kept one request of each):\n");
			for (Side side : this.sides) {
				text.append(String.format("    %-28s %s%n", side.peer.name, side.probe[1]));
				text.append(String.format("    %-28s headers: %s%n", "", side.probe[0]));
			}
			Table speed = new Table("client", "driven", "ok / failed", "calls/s", "× bare", "rounds min .. max", "p50",
					"× bare", "p99", "× bare");
			for (Side side : this.sides) {
				speed.row(side.peer.name, side.peer.driver, side.runner.succeeded + " / " + side.runner.failed,
						Table.number(side.throughput(), 0), ratio(side, bare, Side::throughput),
						Table.number(min(side.roundThroughputs), 0) + " .. "
								+ Table.number(max(side.roundThroughputs), 0),
						Table.millis(side.p50()), ratio(side, bare, Side::p50), Table.millis(side.p99()),
						ratio(side, bare, Side::p99));
			}
			text.append(speed);
			Table resources = new Table("client", "CPU/call", "× bare", "server CPU/call", "allocated/call", "× bare",
					"threads used", "threads added", "heap held", "connections opened");
			for (Side side : this.sides) {
				resources.row(side.peer.name, micros(side.clientCpuMicros()), ratio(side, bare, Side::clientCpuMicros),
						micros(side.serverCpuMicros()), Table.number(side.allocatedKib(), 1) + " KiB",
						ratio(side, bare, Side::allocatedKib), side.threadsUsed, side.threadsAdded,
						Table.mib(side.heapHeld), (side.connectionsOpened < 0) ? "n/a" : side.connectionsOpened);
			}
			text.append(resources);
			text.append("  threads used in a measured round (its own or shared, at least " + ThreadCensus.MIN_CPU_MILLIS
					+ " ms of CPU):\n");
			for (Side side : this.sides) {
				text.append(String.format("    %-28s %s%n", side.peer.name, side.threadNames));
			}
			if (this.peaks != null) {
				text.append(String.format(
						"  whole harness JVM, every client set up: peak live threads %d; heap after a "
								+ "full GC at the end %s (limit %s)%n",
						this.peaks.peakThreads(), Table.mib(this.heapAfterHappyPath), Table.mib(this.peaks.maxHeap())));
			}
			for (Side side : this.sides) {
				String errors = side.unmeasured.errorSummary() + side.runner.errorSummary();
				if (!errors.isEmpty()) {
					text.append("  errors of ").append(side.peer.name).append(":\n").append(errors);
				}
			}
			if (!this.mix.isEmpty()) {
				text.append(String
					.format("%n(peers) fault mix: %,d calls per client after %,d unmeasured, %d in flight; each "
							+ "attempt answered 429 Retry-After: %s (%.0f %%), 503 (%.0f %%) or 200, drawn from (call, attempt), so "
							+ "every client meets the same faults; every client at its default retry policy%n",
							this.options.integer("peers-mix-calls"), this.options.integer("peers-mix-warmup-calls"),
							concurrency, this.options.string("mix-retry-after"),
							100 * this.options.decimal("mix-rate-limited"),
							100 * this.options.decimal("mix-server-error")));
				Table table = new Table("client", "served", "failed", "requests (server)", "per call", "p50", "p95",
						"p99", "wall time");
				for (MixSide side : this.mix) {
					long n = side.runner().succeeded.get() + side.runner().failed.get();
					table.row(side.name(), Table.percent(side.runner().succeeded.get(), n), side.runner().failed.get(),
							side.upstream(), Table.number((double) side.upstream() / n, 2),
							Table.millis(side.latencies().percentileMillis(50)),
							Table.millis(side.latencies().percentileMillis(95)),
							Table.millis(side.latencies().percentileMillis(99)), Table.seconds(side.wallNanos()));
				}
				text.append(table);
				text.append("  default retry policies:\n");
				for (MixSide side : this.mix) {
					text.append(String.format("    %-28s %s%n", side.name(), side.retries()));
				}
				for (MixSide side : this.mix) {
					String errors = side.runner().errorSummary();
					if (!errors.isEmpty()) {
						text.append("  why calls of ").append(side.name()).append(" failed:\n").append(errors);
					}
				}
			}
			return text.toString();
		}

		private static String ratio(Side side, @Nullable Side bare, ToDoubleFunction<Side> value) {
			return (bare != null) ? Table.ratio(value.applyAsDouble(side) / value.applyAsDouble(bare)) : "n/a";
		}

		private static String micros(double value) {
			return Table.number(value, 1) + " µs";
		}

		private static double min(List<Double> values) {
			return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
		}

		private static double max(List<Double> values) {
			return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
		}

	}

}
