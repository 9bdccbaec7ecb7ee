package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The harness's {@code --name=value} options, with their defaults.
 */
final class Options {

	/**
	 * Every option, its default and what it means, in the order {@code --help} prints
	 * them.
	 */
	static final Map<String, String[]> KNOWN = new LinkedHashMap<>();

	static {
		option("scenarios", "a,a2,b,c,d,e,f,g,h",
				"which scenarios to run, comma-separated: a, a2, b, c, d, e, f, g, h, peers, first");
		option("seed", "42", "seed of the fault mix");
		option("server-jvm", "-Xmx1g", "options of the server JVM, comma-separated");
		option("happy-calls", "20000", "(a) calls per round");
		option("happy-concurrency", "64", "(a) calls in flight");
		option("happy-rounds", "6", "(a) measured rounds per client, in rotating order");
		option("happy-warmup-rounds", "3", "(a) unmeasured rounds per client first, at least");
		option("happy-max-warmup-rounds", "20", "(a) unmeasured rounds per client first, at most (until steady)");
		option("happy-connections", "500", "(a, a2) max-connections of every client");
		option("latency-delay-ms", "50", "(a2) the server's delay before each answer");
		option("latency-calls", "10000", "(a2) calls per round");
		option("latency-concurrency", "200", "(a2) calls in flight");
		option("latency-rounds", "3", "(a2) measured rounds per client, in rotating order");
		option("latency-warmup-rounds", "2", "(a2) unmeasured rounds per client first, at least");
		option("latency-max-warmup-rounds", "3", "(a2) unmeasured rounds per client first, at most (until steady)");
		option("storm-calls", "10000", "(b) logical calls, all in flight at once");
		option("storm-retry-after", "2", "(b) Retry-After seconds of the first answer of each call");
		option("storm-connections", "10000", "(b) max-connections of the provider");
		option("storm-live-heap", "false",
				"(b) once every call is in flight, measure the live heap with a full GC (pauses the storm)");
		option("storm-timeline", "false", "(b) print heap, threads and calls every half second");
		option("storm-warmup-calls", "50000", "(b) calls answered at once, to warm the JIT compiler up first");
		option("mix-calls", "2000", "(c) logical calls per client");
		option("mix-concurrency", "200", "(c) calls in flight, and threads of the blocking baseline");
		option("mix-rate-limited", "0.3", "(c) share of attempts answered 429");
		option("mix-retry-after", "1", "(c) Retry-After seconds of those 429s");
		option("mix-server-error", "0.1", "(c) share of attempts answered 503");
		option("mix-max-attempts", "6", "(c) max-attempts per target (primary and one fallback)");
		option("mix-warmup-calls", "20000", "(c) calls answered at once through each client first");
		option("peers-clients", String.join(",", Peer.KEYS), "(peers) the clients compared, comma-separated");
		option("peers-concurrency", "100", "(peers) calls in flight, and threads of each blocking client's pool");
		option("peers-calls", "10000", "(peers) calls per round");
		option("peers-rounds", "6", "(peers) measured rounds per client, in rotating order");
		option("peers-prime-calls", "2000", "(peers) first calls of each client as it is set up");
		option("peers-warmup-rounds", "3", "(peers) unmeasured rounds per client first, at least");
		option("peers-max-warmup-rounds", "12", "(peers) unmeasured rounds per client first, at most (until steady)");
		option("peers-okhttp-idle-connections", "default",
				"(peers) idle connections kept by the OkHttp pools of openai-java and Spring AI; 'default': OkHttp's 5");
		option("peers-mix", "true", "(peers) whether to run the fault mix after the happy path");
		option("peers-mix-calls", "2000", "(peers) fault mix: calls per client (the mix-* options set the faults)");
		option("peers-mix-warmup-calls", "200", "(peers) fault mix: calls per client first, not measured");
		option("first-calls", "1000", "(first) calls of each new application, the first one included");
		option("first-runs", "5", "(first) new JVMs per client, alternating starter and bare");
		option("first-concurrency", "1,100",
				"(first) calls in flight after the first call, comma-separated: one line of runs each");
		option("first-server-warmup-calls", "5000",
				"(first) calls from the harness's JVM first, to warm the server's JVM up");
		option("first-clients", "starter,bare", "(first) the clients, comma-separated: starter, bare");
		option("first-jvm-args", "",
				"(first) options of each new JVM, separated by spaces; {client} and {run} are replaced "
						+ "(e.g. -XX:StartFlightRecording=filename=first-{client}-{run}.jfr)");
		option("outage-calls", "10000", "(d) logical calls");
		option("outage-concurrency", "100", "(d) calls in flight");
		option("outage-circuit-breaker", "true", "(d) whether circuit breakers are on (false: what they save)");
		option("brownout-calls", "10000", "(e) logical calls, with the retry budget off and then on");
		option("brownout-concurrency", "100", "(e) calls in flight");
		option("brownout", "0.4", "(e) share of attempts to the sick provider answered 503");
		option("paced-calls", "2000", "(f) logical calls, with pacing off and then on");
		option("paced-concurrency", "20", "(f) calls in flight");
		option("paced-every", "50", "(f) every n-th answer says the limit is used up");
		option("paced-reset-ms", "2000", "(f) the reset of a used-up limit, in milliseconds");
		option("fleet-calls", "1000", "(h) logical calls per instance, three instances, shared state off then on");
		option("fleet-concurrency", "1", "(h) calls in flight per instance");
		option("fleet-stagger-ms", "200",
				"(h) how long after the previous instance's first answer each instance starts calling");
		option("outage-warmup-calls", "20000",
				"(d) calls first, on a target of their own, to warm the JIT compiler up");
		option("hedge-calls", "1000", "(g) calls per round, for each policy");
		option("hedge-rate", "100", "(g) calls started per second, whatever the calls in flight");
		option("hedge-rounds", "2", "(g) measured rounds per policy, hedging off and on alternating");
		option("hedge-warmup-calls", "1000", "(g) calls through each policy first, to warm the JIT compiler up");
		option("hedge-delay-ms", "400", "(g) hedge.delay of the hedged policy");
		option("hedge-fast-ms", "200", "(g) the server's usual latency, of the primary and the fallback");
		option("hedge-slow-ms", "5000", "(g) the primary's latency for a slow call");
		option("hedge-slow-share", "0.1", "(g) share of calls for which the primary is slow");
	}

	private static void option(String name, String defaultValue, String description) {
		KNOWN.put(name, new String[] { defaultValue, description });
	}

	private final Map<String, String> values = new LinkedHashMap<>();

	private Options() {
		KNOWN.forEach((name, option) -> this.values.put(name, option[0]));
	}

	/**
	 * Parse arguments.
	 * @param args {@code --name=value} pairs
	 * @return the options
	 * @throws IllegalArgumentException for an unknown option
	 */
	static Options parse(String... args) {
		Options options = new Options();
		for (String arg : args) {
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--") || equals < 0) {
				throw new IllegalArgumentException("Expected --name=value, got " + arg);
			}
			String name = arg.substring(2, equals);
			if (!KNOWN.containsKey(name)) {
				throw new IllegalArgumentException("Unknown option --" + name + " (see --help)");
			}
			options.values.put(name, arg.substring(equals + 1));
		}
		return options;
	}

	static String help() {
		StringBuilder help = new StringBuilder("Options (--name=value):\n");
		KNOWN.forEach((name, option) -> help
			.append(String.format("  --%-26s %s (default %s)%n", name, option[1], option[0])));
		return help.toString();
	}

	int integer(String name) {
		return Integer.parseInt(string(name));
	}

	long longValue(String name) {
		return Long.parseLong(string(name));
	}

	double decimal(String name) {
		return Double.parseDouble(string(name));
	}

	String string(String name) {
		String value = this.values.get(name);
		if (value == null) {
			throw new IllegalArgumentException("No option " + name);
		}
		return value;
	}

	List<String> list(String name) {
		String value = string(name).trim();
		return value.isEmpty() ? List.of() : List.of(value.split(","));
	}

	Set<String> scenarios() {
		return new TreeSet<>(list("scenarios"));
	}

	@Override
	public String toString() {
		StringBuilder line = new StringBuilder();
		this.values.forEach((name,
				value) -> line.append(line.isEmpty() ? "" : " ").append("--").append(name).append('=').append(value));
		return line.toString();
	}

}
