package io.github.llmresilience.benchmarks;

import java.util.Arrays;

import io.github.llmresilience.benchmarks.load.BenchServer;
import io.github.llmresilience.benchmarks.load.LoadHarness;

/**
 * The entry point of {@code llm-resilience-benchmarks.jar}:
 * <ul>
 * <li>{@code jmh [JMH options]}: the JMH benchmarks ({@code org.openjdk.jmh.Main}), for
 * example {@code jmh -prof gc};</li>
 * <li>{@code load [options]}: the load harness, which starts its own server JVM
 * ({@code load --help} lists the options);</li>
 * <li>{@code server [port]}: the harness's server on its own.</li>
 * </ul>
 */
public final class Benchmarks {

	private Benchmarks() {
	}

	/**
	 * Run a benchmark.
	 * @param args the command, then its arguments
	 * @throws Exception if the benchmark fails
	 */
	public static void main(String[] args) throws Exception {
		String command = (args.length > 0) ? args[0] : "";
		String[] rest = (args.length > 0) ? Arrays.copyOfRange(args, 1, args.length) : args;
		switch (command) {
			case "jmh" -> org.openjdk.jmh.Main.main(rest);
			case "load" -> System.exit(LoadHarness.run(rest));
			case "server" -> BenchServer.main(rest);
			default -> {
				System.err.println("Usage: java -jar llm-resilience-benchmarks.jar jmh [JMH options] | load [options] "
						+ "| server [port]");
				System.err.println("  jmh -prof gc        the cost per call of the resilience path (ns/op, B/op)");
				System.err.println("  load --help         the load scenarios against FakeLlmServer in another JVM");
				System.exit(command.isEmpty() ? 2 : 1);
			}
		}
	}

}
