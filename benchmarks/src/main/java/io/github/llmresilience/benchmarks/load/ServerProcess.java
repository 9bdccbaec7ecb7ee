package io.github.llmresilience.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BenchServer} in its own JVM, started from this JVM's class path, and the line
 * protocol to read its request counts.
 */
final class ServerProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	private final Process process;

	private final PrintStream commands;

	private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

	private final String baseUrl;

	private ServerProcess(Process process) throws IOException, InterruptedException {
		this.process = process;
		this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
		BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		Thread reader = new Thread(() -> {
			try {
				for (String line = out.readLine(); line != null; line = out.readLine()) {
					this.lines.add(line);
				}
			}
			catch (IOException ex) {
				// The process ended.
			}
		}, "bench-server-stdout");
		reader.setDaemon(true);
		reader.start();
		String ready = this.lines.poll(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		if (ready == null || !ready.startsWith(BenchServer.READY)) {
			process.destroyForcibly();
			throw new IllegalStateException("The server JVM did not start: " + ready);
		}
		this.baseUrl = ready.substring(BenchServer.READY.length()).trim().replaceAll("/v1$", "");
	}

	/**
	 * Start the server in a new JVM.
	 * @param jvmOptions options of the server JVM, such as {@code -Xmx1g}
	 * @param arguments the server's arguments
	 * @return the running server
	 */
	static ServerProcess start(List<String> jvmOptions, List<String> arguments)
			throws IOException, InterruptedException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>();
		command.add(java);
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(BenchServer.class.getName());
		command.addAll(arguments);
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		return new ServerProcess(process);
	}

	/**
	 * Return the server's root URL: providers append {@code /<prefix>/v1}.
	 * @return {@code http://127.0.0.1:<port>}
	 */
	String rootUrl() {
		return this.baseUrl;
	}

	long pid() {
		return this.process.pid();
	}

	/**
	 * Return the CPU time the server JVM has used so far.
	 * @return nanoseconds, or 0 where the platform does not tell
	 */
	long cpuNanos() {
		return this.process.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
	}

	/**
	 * Return the requests per model since the last {@link #reset()}.
	 * @return the counts
	 */
	Map<String, Long> counts() throws InterruptedException {
		String line = ask("counts", BenchServer.COUNTS);
		Map<String, Long> counts = new LinkedHashMap<>();
		for (String pair : line.substring(BenchServer.COUNTS.length()).trim().split(" ")) {
			if (!pair.isEmpty()) {
				String[] parts = pair.split("=");
				counts.put(parts[0], Long.parseLong(parts[1]));
			}
		}
		return counts;
	}

	long count(String model) throws InterruptedException {
		return counts().getOrDefault(model, 0L);
	}

	/**
	 * Forget the counts and the attempts of every call.
	 */
	void reset() throws InterruptedException {
		ask("reset", BenchServer.RESET);
	}

	/**
	 * Return what a probe call sent: its headers and its body.
	 * @param id the call's id, starting with {@value BenchServer#PROBE_PREFIX}
	 * @return the headers ({@code name: value; ...}, the value of {@code Authorization}
	 * left out) and the body, or {@code -} for each if the server saw no such call
	 */
	String[] probe(String id) throws InterruptedException {
		String line = ask("probe " + id, BenchServer.PROBE + "\t");
		String[] parts = line.split("\t", 3);
		return new String[] { parts[1], (parts.length > 2) ? parts[2] : "" };
	}

	private String ask(String command, String answer) throws InterruptedException {
		this.commands.println(command);
		while (true) {
			String line = this.lines.poll(30, TimeUnit.SECONDS);
			if (line == null) {
				throw new IllegalStateException("The server did not answer '" + command + "'");
			}
			if (line.startsWith(answer)) {
				return line;
			}
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.commands.close();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

}
