package io.github.llmresilience.benchmarks.load;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmSharedStateAutoConfiguration;
import io.github.llmresilience.benchmarks.ObservedMeters;

/**
 * (h) A fleet of three instances (application contexts in this JVM) whose primary answers
 * {@code 429 Retry-After: 120}, with a fallback on another provider: how many requests
 * the primary receives with shared state off (each instance finds out for itself) and on
 * (the first instance tells the others through Redis). The instances start calling one
 * after the other, each a little after the previous one got its first answer, as a
 * fleet's traffic arrives. It needs {@code redis-server} on the {@code PATH} (Debian's
 * {@code redis-server} package), which it starts on a free loopback port; without one the
 * scenario is skipped.
 */
final class FleetCooldown extends Scenario {

	private static final int INSTANCES = 3;

	FleetCooldown(ServerProcess server, Options options) {
		super(server, options, "fleet");
	}

	/**
	 * Run both sides.
	 * @return the result, or {@code null} if no {@code redis-server} is on the
	 * {@code PATH}
	 * @throws Exception if a side fails
	 */
	@Nullable Result run() throws Exception {
		Path redisServer = onPath("redis-server");
		if (redisServer == null) {
			return null;
		}
		try (Redis redis = Redis.start(redisServer)) {
			return new Result(side(false, redis), side(true, redis), redis.version, this.options);
		}
	}

	private Side side(boolean shared, Redis redis) throws Exception {
		int calls = integer("calls");
		int concurrency = integer("concurrency");
		long stagger = integer("stagger-ms");
		this.server.reset();
		// The fleet's outcomes and wall time; the latencies, not reported, stay with each
		// instance's side.
		Side side = new Side(shared ? "shared state on" : "shared state off", 0);
		List<ConfigurableApplicationContext> fleet = new ArrayList<>();
		Map<String, Object> properties = properties(shared, redis).map();
		try {
			for (int i = 0; i < INSTANCES; i++) {
				fleet
					.add(StarterApp.start(shared ? SharedApplication.class : StarterApp.Application.class, properties));
			}
			List<Thread> threads = new ArrayList<>();
			List<CountDownLatch> firstAnswers = new ArrayList<>();
			for (int i = 0; i < INSTANCES; i++) {
				firstAnswers.add(new CountDownLatch(1));
			}
			long start = System.nanoTime();
			for (int i = 0; i < INSTANCES; i++) {
				LlmClient llm = fleet.get(i).getBean(LlmClient.class);
				String prefix = (shared ? "on-" : "off-") + i + "-";
				CountDownLatch previous = (i > 0) ? firstAnswers.get(i - 1) : null;
				CountDownLatch first = firstAnswers.get(i);
				Thread thread = new Thread(() -> {
					// The next instance starts calling a little after the previous one
					// got its first
					// answer, as a fleet's traffic arrives: after the server has told one
					// instance. The gap
					// (--fleet-stagger-ms) is part of the scenario, not a wait for
					// something to happen.
					if (previous != null) {
						await(previous);
						sleep(stagger);
					}
					// Each instance's calls on a side of their own: a side's latencies
					// are
					// filled by one thread at a time.
					Side instance = new Side(side.name, calls);
					measure(instance, calls, concurrency,
							(n) -> llm.chat("fleet", request(prefix + n)).doFinally((signal) -> first.countDown()));
					side.succeeded.add(instance.succeeded.sum());
					side.failed.add(instance.failed.sum());
				}, "fleet-instance-" + i);
				threads.add(thread);
				thread.start();
			}
			for (Thread thread : threads) {
				thread.join();
			}
			side.wall = System.nanoTime() - start;
			for (ConfigurableApplicationContext instance : fleet) {
				MeterRegistry meters = instance.getBean(MeterRegistry.class);
				side.published += counted(meters, "llm.shared.cooldowns", "direction", "published");
				side.applied += counted(meters, "llm.shared.cooldowns", "direction", "applied");
			}
		}
		finally {
			fleet.forEach(ConfigurableApplicationContext::close);
		}
		Map<String, Long> counts = this.server.counts();
		side.primary = counts.getOrDefault(BenchServer.COOLING, 0L);
		side.fallback = counts.getOrDefault("fleet-spare", 0L);
		return side;
	}

	private StarterProperties properties(boolean shared, Redis redis) {
		StarterProperties properties = starterProperties().provider("account", "sk-bench")
			.provider("spare", "sk-bench")
			.policy("fleet", "account", BenchServer.COOLING)
			.fallback("fleet", "spare", "fleet-spare")
			.set("llm.defaults.retry.max-retry-after", "60s");
		if (shared) {
			properties.set("llm.shared-state.type", "redis")
				.set("llm.shared-state.key-prefix", "bench-" + System.nanoTime())
				.set("spring.data.redis.host", "127.0.0.1")
				.set("spring.data.redis.port", redis.port);
		}
		return properties;
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static @Nullable Path onPath(String name) {
		for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			Path candidate = Path.of(directory, name);
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	/**
	 * An instance with shared state: Spring Boot's Redis auto-configuration and
	 * llm-resilience's.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ WebClientAutoConfiguration.class, LlmMetricsAutoConfiguration.class,
			LlmResilienceAutoConfiguration.class, DataRedisAutoConfiguration.class,
			DataRedisReactiveAutoConfiguration.class, LlmSharedStateAutoConfiguration.class })
	@Import(ObservedMeters.class)
	static class SharedApplication {

	}

	/**
	 * A {@code redis-server} of this machine, on a free loopback port, without
	 * persistence.
	 */
	private static final class Redis implements AutoCloseable {

		private final Process process;

		private final int port;

		private final String version;

		private Redis(Process process, int port, String version) {
			this.process = process;
			this.port = port;
			this.version = version;
		}

		static Redis start(Path binary) throws IOException, InterruptedException {
			String version = new String(new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true)
				.start()
				.getInputStream()
				.readAllBytes()).trim();
			int port;
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				port = socket.getLocalPort();
			}
			Process process = new ProcessBuilder(binary.toString(), "--bind", "127.0.0.1", "--port",
					String.valueOf(port), "--save", "", "--appendonly", "no")
				.redirectErrorStream(true)
				.start();
			// Redis says when it listens; its output is read to the end so that it never
			// blocks on a
			// full pipe, and kept for the message if it does not start.
			CompletableFuture<Void> ready = new CompletableFuture<>();
			StringBuffer log = new StringBuffer();
			Thread reader = new Thread(() -> {
				try (BufferedReader lines = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					String line;
					while ((line = lines.readLine()) != null) {
						log.append(line).append('\n');
						if (line.contains("Ready to accept connections")) {
							ready.complete(null);
						}
					}
				}
				catch (IOException ex) {
					// The process went away; the wait below says so.
				}
				ready.completeExceptionally(new IOException("redis-server exited"));
			}, "bench-redis-output");
			reader.setDaemon(true);
			reader.start();
			try {
				ready.get(10, TimeUnit.SECONDS);
				return new Redis(process, port, version);
			}
			catch (ExecutionException | TimeoutException ex) {
				process.destroyForcibly();
				throw new IOException("redis-server did not start on port " + port + "; its output: " + log);
			}
		}

		@Override
		public void close() throws InterruptedException {
			this.process.destroy();
			this.process.waitFor();
		}

	}

	/**
	 * One side: the fleet's calls.
	 */
	static final class Side extends Scenario.Side {

		long primary;

		long fallback;

		long published;

		long applied;

		Side(String name, int calls) {
			super(name, calls);
		}

	}

	record Result(Side off, Side on, String redisVersion, Options options) {

		boolean met() {
			return this.on.primary <= this.options.integer("fleet-concurrency") && this.off.primary >= INSTANCES
					&& this.on.failed.sum() == 0 && this.off.failed.sum() == 0;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format("(h) a fleet of %d instances, %,d calls each (%d in flight per instance, each "
					+ "instance starting %s ms after the previous one's first answer); the primary always answers 429 "
					+ "Retry-After: 120 (max-retry-after 60 s), a fallback on another provider answers; shared state "
					+ "through %s on loopback%n", INSTANCES, this.options.integer("fleet-calls"),
					this.options.integer("fleet-concurrency"), this.options.string("fleet-stagger-ms"),
					this.redisVersion));
			Table table = table(this.off, this.on, "on / off");
			table.row("requests the primary received", this.off.primary, this.on.primary,
					Table.ratio((double) this.on.primary / Math.max(1, this.off.primary)));
			table.row("requests the fallback received", this.off.fallback, this.on.fallback, "");
			table.row("cooldowns published (llm.shared.cooldowns)", this.off.published, this.on.published, "");
			table.row("cooldowns applied (llm.shared.cooldowns)", this.off.applied, this.on.applied, "");
			table.row("calls served", this.off.succeeded, this.on.succeeded, "");
			table.row("calls failed", this.off.failed, this.on.failed, "");
			table.row("wall time", Table.seconds(this.off.wall), Table.seconds(this.on.wall), "");
			text.append(table);
			return text.toString();
		}

	}

}
