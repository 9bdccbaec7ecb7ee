package io.github.llmresilience.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The {@code first} scenario: what the first calls of a new application cost, with the
 * starter, a bare {@code WebClient}, LangChain4j's {@code OpenAiChatModel} and
 * openai-java (and, when asked, the starter and the bare client on the JDK's
 * {@code HttpClient}). Each run of each client is a new JVM ({@link FirstCallsClient},
 * started from this JVM's class path as the server's JVM is) that starts its Spring
 * context, makes one call, then the rest of its first {@code --first-calls} calls (one in
 * flight, each waited for before the next; or more in flight when
 * {@code --first-concurrency} asks for it) against the harness's server, which answers at
 * once, and reports: the time from the JVM's start to the context's being ready, the wall
 * time and the CPU time of the whole process (JIT compiler and GC threads included) for
 * the first call and for all the first calls, the classes loaded and the JIT compiler's
 * time during them, and the heap; the wall and CPU time are also taken after the first
 * {@code --first-checkpoint} calls. The runs take the clients in turn (starter, bare,
 * ..., starter, ...) and the table shows each figure's median over the runs, and the
 * starter's against each other client's.
 */
final class FirstCalls extends Scenario {

	private static final long TIMEOUT_SECONDS = 300;

	/**
	 * The figures of the table: the name a child reports, the row's label, how it is
	 * shown.
	 */
	private static final List<String[]> ROWS = List.of(
			new String[] { "readyMillis", "JVM start → context ready", "ms" },
			new String[] { "readyCpuMillis", "  CPU until then (process)", "ms" },
			new String[] { "readyClasses", "  classes loaded until then", "n" },
			new String[] { "firstWallMicros", "first call: wall time", "µs" },
			new String[] { "firstCpuMicros", "first call: CPU (process)", "µs" },
			new String[] { "firstClasses", "first call: classes loaded", "n" },
			new String[] { "midWallMillis", "first {M} calls: wall time", "ms" },
			new String[] { "midCpuMillis", "first {M} calls: CPU (process)", "ms" },
			new String[] { "allWallMillis", "first {N} calls: wall time", "ms" },
			new String[] { "allCpuMillis", "first {N} calls: CPU (process)", "ms" },
			new String[] { "allClasses", "first {N} calls: classes loaded", "n" },
			new String[] { "allJitMillis", "first {N} calls: JIT compile time", "ms" },
			new String[] { "lastWallMicros", "last 100 of them: wall per call", "µs" },
			new String[] { "endMillis", "JVM start → {N} calls done", "ms" },
			new String[] { "heapUsedMib", "heap used after them", "MiB" },
			new String[] { "liveHeapMib", "heap used after a full GC", "MiB" });

	FirstCalls(ServerProcess server, Options options) {
		super(server, options, "first");
	}

	Result run() throws IOException, InterruptedException {
		int calls = integer("calls");
		int checkpoint = integer("checkpoint");
		int runs = integer("runs");
		List<String> clients = this.options.list("first-clients");
		String baseUrl = this.server.rootUrl() + "/bench/v1";
		warmUpServer(baseUrl);
		List<Line> lines = new ArrayList<>();
		for (String concurrency : this.options.list("first-concurrency")) {
			Map<String, List<Map<String, Double>>> figures = new LinkedHashMap<>();
			for (int run = 1; run <= runs; run++) {
				for (String client : clients) {
					progress("concurrency " + concurrency + ", run " + run + " of " + runs + ": " + client);
					figures.computeIfAbsent(client, (key) -> new ArrayList<>())
						.add(child(client, run, baseUrl, calls, checkpoint, Integer.parseInt(concurrency)));
				}
			}
			lines.add(new Line(Integer.parseInt(concurrency), figures));
		}
		return new Result(calls, checkpoint, runs, jvmArguments("{client}", "{run}"), lines);
	}

	/**
	 * Warm the server's JVM up from this JVM first, so that the first run of the first
	 * client does not pay for the server's own first calls.
	 */
	private void warmUpServer(String baseUrl) {
		int calls = integer("server-warmup-calls");
		if (calls <= 0) {
			return;
		}
		progress("warming the server up with " + calls + " calls");
		ConnectionProvider pool = ConnectionProvider.create("first-warmup", 16);
		try {
			Function<String, Mono<?>> call = HappyPath.bareCall(WebClient.builder(),
					new ReactorClientHttpConnector(HttpClient.create(pool)), baseUrl + "/chat/completions",
					BenchServer.HAPPY);
			CallRunner runner = new CallRunner();
			runner.run(calls, 16, (i) -> call.apply("w-" + i), new Latencies(calls));
			if (runner.failed.get() > 0) {
				throw new IllegalStateException("The server's warm-up failed:\n" + runner.errorSummary());
			}
		}
		finally {
			pool.disposeLater().block(Duration.ofSeconds(10));
		}
	}

	/**
	 * Run one new application in a JVM of its own.
	 */
	private Map<String, Double> child(String client, int run, String baseUrl, int calls, int checkpoint,
			int concurrency) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmArguments(client, String.valueOf(run)));
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(FirstCallsClient.class.getName());
		command.addAll(List.of(client, baseUrl, String.valueOf(calls), String.valueOf(concurrency),
				String.valueOf(checkpoint)));
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		List<String> output = new ArrayList<>();
		String result = null;
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line = out.readLine(); line != null; line = out.readLine()) {
				if (line.startsWith(FirstCallsClient.RESULT)) {
					result = line;
				}
				else {
					output.add(line);
				}
			}
		}
		if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
		if (result == null) {
			throw new IllegalStateException("The " + client + " JVM (" + String.join(" ", command)
					+ ") reported nothing; its output:\n" + String.join("\n", output));
		}
		Map<String, Double> figures = new LinkedHashMap<>();
		for (String pair : result.substring(FirstCallsClient.RESULT.length()).trim().split("\t")) {
			String[] parts = pair.split("=", 2);
			figures.put(parts[0], Double.parseDouble(parts[1]));
		}
		return figures;
	}

	/**
	 * The options of a new JVM: {@code --first-jvm-args}, separated by spaces, with
	 * {@code {client}} and {@code {run}} replaced (to name a flight recording per JVM,
	 * for example).
	 */
	private List<String> jvmArguments(String client, String run) {
		String value = this.options.string("first-jvm-args").trim();
		if (value.isEmpty()) {
			return List.of();
		}
		return Arrays.stream(value.split("\\s+"))
			.map((argument) -> argument.replace("{client}", client).replace("{run}", run))
			.toList();
	}

	private static void progress(String step) {
		System.out.printf("(first) %tT %s%n", System.currentTimeMillis(), step);
	}

	static double median(List<Double> values) {
		double[] sorted = values.stream()
			.mapToDouble(Double::doubleValue)
			.filter((v) -> !Double.isNaN(v))
			.sorted()
			.toArray();
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	/**
	 * The runs at one number of calls in flight.
	 *
	 * @param concurrency the calls in flight after the first call
	 * @param figures each client's figures, one map per run
	 */
	record Line(int concurrency, Map<String, List<Map<String, Double>>> figures) {

		double median(String client, String figure) {
			List<Map<String, Double>> runs = this.figures.get(client);
			return (runs != null) ? FirstCalls.median(runs.stream().map((run) -> run.get(figure)).toList())
					: Double.NaN;
		}

		double ratio(String figure) {
			return ratio(figure, "bare");
		}

		double ratio(String figure, String other) {
			return median("starter", figure) / median(other, figure);
		}

		List<Map<String, Double>> runs(String client) {
			List<Map<String, Double>> runs = this.figures.get(client);
			if (runs == null) {
				throw new IllegalArgumentException("No runs of " + client);
			}
			return runs;
		}

		static double figure(Map<String, Double> run, String name) {
			Double figure = run.get(name);
			if (figure == null) {
				throw new IllegalArgumentException("A run reported no " + name + ": " + run);
			}
			return figure;
		}

	}

	record Result(int calls, int checkpoint, int runs, List<String> jvmArguments, List<Line> lines) {

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String
				.format("(first) first calls of a new application: each client in a new JVM per run (%s), "
						+ "%d runs each, the clients in turn; the first %,d calls against a server that answers at once; "
						+ "medians over the runs; CPU is the whole process's (JIT compiler and GC included)%n",
						this.jvmArguments.isEmpty() ? "JVM defaults" : String.join(" ", this.jvmArguments), this.runs,
						this.calls));
			for (Line line : this.lines) {
				text.append(String.format("  %s%n",
						(line.concurrency() <= 1) ? "one call in flight: each call waited for (block()) before the next"
								: "the first call alone, then the other " + (this.calls - 1) + " with "
										+ line.concurrency() + " in flight"));
				List<String> clients = List.copyOf(line.figures().keySet());
				// The starter against each other client, side by side.
				List<String> others = clients.contains("starter")
						? clients.stream().filter((client) -> !client.equals("starter")).toList() : List.of();
				List<String> header = new ArrayList<>();
				header.add("");
				clients.forEach((client) -> header.add(name(client)));
				others.forEach((other) -> header.add("starter / " + other));
				Table table = new Table(header.toArray(String[]::new));
				for (String[] row : ROWS) {
					String label = row[1].replace("{N}", String.format("%,d", this.calls))
						.replace("{M}", String.format("%,d", this.checkpoint));
					if (row[0].equals("lastWallMicros") && line.concurrency() > 1) {
						continue;
					}
					if (row[0].startsWith("mid") && this.checkpoint >= this.calls) {
						continue;
					}
					List<String> cells = new ArrayList<>();
					cells.add(label);
					for (String client : clients) {
						cells.add(format(line.median(client, row[0]), row[2]));
					}
					for (String other : others) {
						cells.add(Table.ratio(line.ratio(row[0], other)));
					}
					table.row(cells.toArray());
				}
				List<String> failed = new ArrayList<>();
				failed.add("calls failed (all runs)");
				for (String client : clients) {
					failed.add(format(line.runs(client).stream().mapToDouble((run) -> Line.figure(run, "failed")).sum(),
							"n"));
				}
				table.row(failed.toArray());
				text.append(table);
				for (String client : clients) {
					text.append(String.format("  runs of %s: first call %s µs; first %,d calls %s ms, CPU %s ms%n",
							name(client), runs(line, client, "firstWallMicros"), this.calls,
							runs(line, client, "allWallMillis"), runs(line, client, "allCpuMillis")));
				}
				for (String other : others) {
					text.append(String.format(
							"  ratios starter / %s: context ready %s, first call %s (CPU %s), "
									+ "first %,d calls %s (CPU %s)%n",
							other, Table.ratio(line.ratio("readyMillis", other)),
							Table.ratio(line.ratio("firstWallMicros", other)),
							Table.ratio(line.ratio("firstCpuMicros", other)), this.calls,
							Table.ratio(line.ratio("allWallMillis", other)),
							Table.ratio(line.ratio("allCpuMillis", other))));
				}
			}
			return text.toString();
		}

		private static String runs(Line line, String client, String figure) {
			return String.join(" ",
					line.runs(client).stream().map((run) -> format(Line.figure(run, figure), "").trim()).toList());
		}

		private static String name(String client) {
			return switch (client) {
				case "starter" -> "starter (LlmClient)";
				case "bare" -> "bare WebClient";
				case "bare-jdk" -> "bare WebClient, JDK connector";
				case "starter-jdk" -> "starter, JDK connector";
				case "langchain4j" -> "LangChain4j";
				case "openai" -> "openai-java";
				default -> client;
			};
		}

		private static String format(double value, String unit) {
			if (Double.isNaN(value)) {
				return "-";
			}
			return switch (unit) {
				case "n" -> Table.number(value, 0);
				case "MiB" -> Table.number(value, 1) + " MiB";
				case "" -> Table.number(value, 0);
				default -> Table.number(value, 0) + " " + unit;
			};
		}

	}

}
