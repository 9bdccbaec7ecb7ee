package io.github.llmresilience.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The load harness: starts a {@link BenchServer} in another JVM on loopback, runs the
 * scenarios of docs/project/benchmarks.md against it and prints a table per scenario,
 * then whether each target was met.
 * <ul>
 * <li>(a) {@link HappyPath}: the starter against a bare {@code WebClient};</li>
 * <li>(b) {@link RetryAfterStorm}: 10,000 calls in flight, all waiting on
 * {@code Retry-After};</li>
 * <li>(c) {@link FaultMix}: 30 % 429 and 10 % 503, against a blocking baseline;</li>
 * <li>(d) {@link Outage}: the primary down, a fallback up, the circuit breaker open;</li>
 * <li>(e) {@link Brownout}: 40 % of attempts 503, the circuit closed, the retry budget on
 * and off;</li>
 * <li>(f) {@link PacedAccount}: an account whose limit is used up now and then, pacing on
 * and off;</li>
 * <li>(g) {@link HedgedRequests}: a primary with slow calls, hedging off and on;</li>
 * <li>(l) {@link AccountReservations}: an account of 10 requests per 2 s that sends
 * OpenAI's headers, reservations against them off and on;</li>
 * <li>(h) {@link FleetCooldown}: three instances told {@code Retry-After: 120}, shared
 * state on and off (needs {@code redis-server} on the {@code PATH});</li>
 * <li>{@code peers} ({@link Peers}, only when named): the starter next to a bare
 * {@code WebClient}, openai-java, LangChain4j and Spring AI, on the happy path and under
 * the fault mix;</li>
 * <li>{@code first} ({@link FirstCalls}, only when named): the first calls of a new
 * application, the starter against a bare {@code WebClient}, each in a new JVM per run
 * (no target: medians and ratios);</li>
 * <li>{@code soak} ({@link Soak}, only when named): many calls through every fault, with
 * Netty's leak detector at {@code paranoid}; it fails on a leak, an unended call, heap or
 * threads that grow (docs/project/reliability.md).</li>
 * </ul>
 * Run it with {@code -Xmx512m}: scenario (b)'s heap target is that limit; {@code peers}
 * alone with {@code -Xmx1g}.
 */
public final class LoadHarness {

	private static final Set<String> SCENARIOS = Set.of("a", "a2", "b", "c", "d", "e", "f", "g", "h", "j", "l", "peers",
			"first", "soak", "pool");

	private LoadHarness() {
	}

	/**
	 * Run the harness.
	 * @param args {@code --name=value} options, or {@code --help}
	 * @return the exit code: 0 when every target of the scenarios run was met, 3 when one
	 * was missed, 2 for bad arguments
	 * @throws Exception if a scenario fails
	 */
	public static int run(String... args) throws Exception {
		if (List.of(args).contains("--help")) {
			System.out.println("Usage: java -Xmx512m -jar llm-resilience-benchmarks.jar load [--name=value ...]");
			System.out.print(Options.help());
			return 0;
		}
		Options options;
		try {
			options = Options.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.err.print(Options.help());
			return 2;
		}
		Set<String> scenarios = options.scenarios();
		if (!SCENARIOS.containsAll(scenarios)) {
			System.err.println("Unknown scenario in " + scenarios + "; the scenarios are " + SCENARIOS);
			return 2;
		}
		if (scenarios.contains("soak")) {
			if (!List.of("none", "leaked-buffer", "unfinished-call").contains(options.string("soak-sabotage"))) {
				System.err.println("Unknown --soak-sabotage=" + options.string("soak-sabotage")
						+ "; the values are none, leaked-buffer, unfinished-call");
				return 2;
			}
			if (!List.of("starter", "webclient").contains(options.string("soak-client"))) {
				System.err.println("Unknown --soak-client=" + options.string("soak-client")
						+ "; the values are starter, webclient");
				return 2;
			}
			// Before any of Netty's buffers exists: each buffer class creates its leak
			// detector once.
			LeakCounter.install();
		}
		if (scenarios.contains("first") && !FirstCallsClient.CLIENTS.containsAll(options.list("first-clients"))) {
			System.err.println("Unknown client in --first-clients=" + options.string("first-clients")
					+ "; the clients are " + FirstCallsClient.CLIENTS);
			return 2;
		}
		if (scenarios.contains("peers") && !Peer.KEYS.containsAll(options.list("peers-clients"))) {
			System.err.println("Unknown client in --peers-clients=" + options.string("peers-clients")
					+ "; the clients are " + Peer.KEYS);
			return 2;
		}
		System.out.printf("llm-resilience load harness: Java %s (%s), %d processors, heap limit %s, %s %s%n",
				System.getProperty("java.version"), System.getProperty("java.vm.name"),
				Runtime.getRuntime().availableProcessors(), Table.mib(Runtime.getRuntime().maxMemory()),
				System.getProperty("os.name"), System.getProperty("os.version"));
		System.out.println("JVM options: " + ManagementFactory.getRuntimeMXBean().getInputArguments());
		System.out.println("options: " + options);
		List<String> serverArguments = List.of("0", "--seed=" + options.string("seed"),
				"--mix-rate-limited=" + options.string("mix-rate-limited"),
				"--mix-server-error=" + options.string("mix-server-error"),
				"--mix-retry-after=" + options.string("mix-retry-after"),
				"--storm-retry-after=" + options.string("storm-retry-after"),
				"--slow-delay-ms=" + options.string("latency-delay-ms"), "--brownout=" + options.string("brownout"),
				"--paced-every=" + options.string("paced-every"),
				"--paced-reset-ms=" + options.string("paced-reset-ms"),
				"--account-requests=" + options.string("account-requests"),
				"--account-window-ms=" + options.string("account-window-ms"),
				"--capped-limit=" + options.string("priorities-limit"),
				"--capped-ms=" + options.string("priorities-answer-ms"),
				"--hedge-fast-ms=" + options.string("hedge-fast-ms"),
				"--hedge-slow-ms=" + options.string("hedge-slow-ms"),
				"--hedge-slow-share=" + options.string("hedge-slow-share"),
				"--soak-faults=" + options.string("soak-faults"),
				"--pool-per-window=" + options.string("pool-per-window"),
				"--pool-window-ms=" + options.string("pool-window-ms"));
		List<String> verdicts = new ArrayList<>();
		try (ServerProcess server = ServerProcess.start(options.list("server-jvm"), serverArguments)) {
			System.out.printf("server: FakeLlmServer in JVM pid %d (%s) on %s%n%n", server.pid(),
					String.join(" ", options.list("server-jvm")), server.rootUrl());
			if (scenarios.contains("a")) {
				HappyPath.Result result = new HappyPath(server, "(a) happy path, answers at once", BenchServer.HAPPY,
						options, "happy")
					.run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(a) starter throughput ≥ 0.95× bare WebClient: " + Table.ratio(result.throughputRatio())
								+ " (p99 ratio " + Table.ratio(result.p99Ratio()) + ")"));
			}
			if (scenarios.contains("a2")) {
				HappyPath.Result result = new HappyPath(server,
						"(a2) happy path, answers after " + options.string("latency-delay-ms") + " ms",
						BenchServer.HAPPY_SLOW, options, "latency")
					.run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(a2) the same with a " + options.string("latency-delay-ms") + " ms answer: "
								+ Table.ratio(result.throughputRatio()) + " (p99 ratio "
								+ Table.ratio(result.p99Ratio()) + ")"));
			}
			if (scenarios.contains("b")) {
				RetryAfterStorm.Result result = new RetryAfterStorm(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(b) " + result.calls() + " calls waiting on Retry-After all complete ("
								+ result.runner().succeeded.get() + "), ≤ 50 threads (" + result.peaks().peakThreads()
								+ "), heap ≤ 512 MiB (-Xmx " + Table.mib(result.peaks().maxHeap()) + ", peak used "
								+ Table.mib(result.peaks().peakUsedHeap()) + ")"));
			}
			if (scenarios.contains("c")) {
				FaultMix.Result result = new FaultMix(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(c) fault mix: " + result.starter().succeeded.sum() + "/" + result.calls()
								+ " succeed, at most " + result.starter().maxAttempts + " attempts per call (policy "
								+ 2 * result.maxAttempts() + "), server saw " + result.starter().upstreamTotal()
								+ " requests, client counted " + result.starter().attempts.sum()));
			}
			if (scenarios.contains("d")) {
				Outage.Result result = new Outage(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(
						result.runner().succeeded.get() == result.calls()
								&& (!result.circuitBreakers() || result.primaryPerCallAfterOpen() == 0),
						"(d) outage: every call served (" + result.runner().succeeded.get() + "), "
								+ Table.number(result.primaryPerCallAfterOpen(), 4)
								+ " primary requests per call once the circuit is open"));
			}
			if (scenarios.contains("e")) {
				Brownout.Result result = new Brownout(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(e) brownout: " + Table.number(result.perCall(result.on()), 3)
								+ " requests per call to the sick provider with the retry budget (≤ "
								+ Table.number(result.bound(), 3) + "), "
								+ Table.number(result.perCall(result.off()), 3) + " without"));
			}
			if (scenarios.contains("f")) {
				PacedAccount.Result result = new PacedAccount(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(f) used-up rate limit: " + result.on().rateLimited + " 429s received with pacing, "
								+ result.off().rateLimited + " without; calls served " + result.on().succeeded.sum()
								+ " and " + result.off().succeeded.sum()));
			}
			if (scenarios.contains("g")) {
				HedgedRequests.Result result = new HedgedRequests(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(g) hedging: every call served, p99 " + Table.millis(HedgedRequests.Result.p(result.on(), 99))
								+ " with hedging against " + Table.millis(HedgedRequests.Result.p(result.off(), 99))
								+ " without, " + Table.number(result.extraPerCall(result.on()), 3)
								+ " extra requests per call"));
			}
			if (scenarios.contains("l")) {
				AccountReservations.Result result = new AccountReservations(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(l) reservations: " + result.on().rateLimited + " 429s with them at "
								+ options.string("reservations-concurrency") + " in flight (≤ "
								+ options.string("account-requests") + "), " + result.off().rateLimited + " without; "
								+ result.wideOn().rateLimited + " and " + result.wideOff().rateLimited + " at "
								+ options.string("reservations-wide-concurrency") + " in flight"));
			}
			if (scenarios.contains("h")) {
				FleetCooldown.Result result = new FleetCooldown(server, options).run();
				if (result == null) {
					System.out.println("(h) SKIPPED: no redis-server on the PATH (on Debian: apt-get install "
							+ "--no-install-recommends redis-server); the scenario starts one on a free loopback port.");
					System.out.println();
				}
				else {
					System.out.println(result.report());
					verdicts.add(verdict(result.met(),
							"(h) fleet: the primary told Retry-After: 120 received " + result.on().primary
									+ " request(s) with shared state, " + result.off().primary + " without ("
									+ result.off().succeeded.sum() + " and " + result.on().succeeded.sum()
									+ " calls served)"));
				}
			}
			if (scenarios.contains("pool")) {
				PooledAccounts.Result result = new PooledAccounts(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(pool) two accounts: the pool served in " + Table.seconds(result.pool().wall) + " against "
								+ Table.seconds(result.chain().wall) + " for the chain, with "
								+ result.pool().rejected() + " 429s against " + result.chain().rejected()));
			}
			if (scenarios.contains("j")) {
				Priorities.Result result = new Priorities(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(), result.verdict()));
			}
			if (scenarios.contains("peers")) {
				Peers.Result result = new Peers(server, options).run();
				System.out.println(result.report());
				result.verdicts().forEach((description, met) -> verdicts.add(verdict(met, description)));
			}
			if (scenarios.contains("soak")) {
				Soak.Result result = new Soak(server, options).run();
				System.out.println(result.report());
				verdicts.add(verdict(result.met(),
						"(soak) " + result.outcomes().ended() + " calls through every fault: no leak, no "
								+ "IllegalReferenceCountException, heap and threads flat, connections idle, every "
								+ "call ended typed and within its deadline"));
			}
			if (scenarios.contains("first")) {
				FirstCalls.Result result = new FirstCalls(server, options).run();
				System.out.println(result.report());
			}
		}
		System.out.println("Targets (docs/project/benchmarks.md, Performance targets):");
		verdicts.forEach((line) -> System.out.println("  " + line));
		return verdicts.stream().allMatch((line) -> line.startsWith("MET")) ? 0 : 3;
	}

	private static String verdict(boolean met, String description) {
		return (met ? "MET     " : "MISSED  ") + description;
	}

}
