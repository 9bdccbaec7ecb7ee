package io.github.llmresilience.benchmarks.load;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.RuntimeMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;

/**
 * One new application of the {@code first} scenario ({@link FirstCalls}), in a JVM of its
 * own: it starts its context, makes its first calls and prints what they cost on one
 * line, starting with {@value #RESULT}, as {@code name=value} pairs separated by tabs.
 * The starter and the bare {@code WebClient} each live in a class of their own, so that a
 * JVM loads only its client's classes.
 */
public final class FirstCallsClient {

	/**
	 * The start of the line with the figures.
	 */
	static final String RESULT = "FIRST-CALLS";

	private FirstCallsClient() {
	}

	/**
	 * Run one application.
	 * @param args the client ({@code starter} or {@code bare}), the server's OpenAI base
	 * URL, the calls and the calls in flight after the first
	 */
	public static void main(String[] args) {
		try {
			run(args);
		}
		catch (Throwable ex) {
			// Netty's event loops are not daemons: without an exit, a failed JVM would
			// never end.
			ex.printStackTrace();
			System.exit(1);
		}
		// Netty's event loops are not daemons.
		System.exit(0);
	}

	private static void run(String[] args) throws Exception {
		// The management beans are the measurement's, not the clients': they are looked
		// up first.
		RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
		ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
		CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		String client = args[0];
		String baseUrl = args[1];
		int calls = Integer.parseInt(args[2]);
		int concurrency = Integer.parseInt(args[3]);
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("main", runtime.getUptime());
		// The harness's own way of running calls in flight, loaded before the clients
		// start.
		new CallRunner().run(1, 1, (i) -> Mono.just(i), new Latencies(1));
		List<AutoCloseable> resources = new ArrayList<>();
		Function<String, Mono<?>> call = switch (client) {
			case "starter" -> Starter.start(baseUrl, resources);
			case "bare" -> Bare.start(baseUrl, resources);
			default -> throw new IllegalArgumentException("Unknown client '" + client + "'; starter or bare");
		};
		figures.put("readyMillis", runtime.getUptime());
		figures.put("readyCpuMillis", Cpu.thisProcess() / 1_000_000);
		figures.put("readyClasses", classes.getTotalLoadedClassCount());
		figures.put("readyJitMillis", compiler.getTotalCompilationTime());
		long classesBefore = classes.getTotalLoadedClassCount();
		long jitBefore = compiler.getTotalCompilationTime();
		long cpuBefore = Cpu.thisProcess();
		long start = System.nanoTime();
		call.apply("f-0").block(Duration.ofSeconds(30));
		figures.put("firstWallMicros", (System.nanoTime() - start) / 1_000);
		figures.put("firstCpuMicros", (Cpu.thisProcess() - cpuBefore) / 1_000);
		figures.put("firstClasses", classes.getTotalLoadedClassCount() - classesBefore);
		long failed = 0;
		long lastStart = 0;
		int last = Math.min(100, calls - 1);
		if (concurrency <= 1) {
			for (int i = 1; i < calls; i++) {
				if (i == calls - last) {
					lastStart = System.nanoTime();
				}
				try {
					call.apply("f-" + i).block(Duration.ofSeconds(30));
				}
				catch (RuntimeException ex) {
					failed++;
				}
			}
		}
		else {
			CallRunner runner = new CallRunner();
			runner.run(calls - 1, concurrency, (i) -> call.apply("f-" + (i + 1)), new Latencies(calls - 1));
			failed = runner.failed.get();
		}
		long end = System.nanoTime();
		figures.put("allWallMillis", (end - start) / 1_000_000.0);
		figures.put("allCpuMillis", (Cpu.thisProcess() - cpuBefore) / 1_000_000.0);
		figures.put("allClasses", classes.getTotalLoadedClassCount() - classesBefore);
		figures.put("allJitMillis", compiler.getTotalCompilationTime() - jitBefore);
		figures.put("lastWallMicros", (lastStart > 0) ? (end - lastStart) / 1_000.0 / last : Double.NaN);
		figures.put("failed", failed);
		figures.put("endMillis", runtime.getUptime());
		figures.put("heapUsedMib", memory.getHeapMemoryUsage().getUsed() / 1048576.0);
		System.gc();
		figures.put("liveHeapMib", memory.getHeapMemoryUsage().getUsed() / 1048576.0);
		for (AutoCloseable resource : resources) {
			resource.close();
		}
		StringBuilder line = new StringBuilder(RESULT);
		figures.forEach((name, value) -> line.append('\t')
			.append(name)
			.append('=')
			.append((value instanceof Double d) ? String.format(Locale.ROOT, "%.3f", d) : value));
		System.out.println(line);
		System.out.flush();
	}

	/**
	 * The starter as scenario (a) and {@code peers} build it: its auto-configuration with
	 * its defaults, {@code llm.providers.bench.*} and a default policy, meters on a
	 * {@code SimpleMeterRegistry} as with Actuator.
	 */
	static final class Starter {

		private Starter() {
		}

		static Function<String, Mono<?>> start(String baseUrl, List<AutoCloseable> resources) {
			ConfigurableApplicationContext context = StarterApp.start(StarterApp.Application.class,
					Map.of("llm.providers.bench.base-url", baseUrl, "llm.providers.bench.api-key", Peer.API_KEY,
							"llm.policies.default.provider", "bench", "llm.policies.default.model", BenchServer.HAPPY));
			resources.add(context);
			LlmClient llm = context.getBean(LlmClient.class);
			return (id) -> llm.chat(ChatRequest.builder().user(Wire.content(id)).build()).map(ChatResponse::content);
		}

	}

	/**
	 * A bare {@code WebClient} as scenario (a) and {@code peers} build it: from Spring
	 * Boot's {@code WebClient.Builder}, on Boot's Reactor connector with a pool of 500
	 * connections, the request and the completion as records.
	 */
	static final class Bare {

		private Bare() {
		}

		static Function<String, Mono<?>> start(String baseUrl, List<AutoCloseable> resources) {
			ConfigurableApplicationContext context = StarterApp.start(StarterApp.WebClientApplication.class, Map.of());
			resources.add(context);
			ConnectionProvider pool = HappyPath.pool(new ArrayList<>(), "first-bare", 500);
			resources.add(() -> pool.disposeLater().block(Duration.ofSeconds(10)));
			ClientHttpConnector connector = ClientHttpConnectorBuilder.reactor()
				.withHttpClientFactory(() -> HttpClient.create(pool))
				.build(HttpClientSettings.defaults().withTimeouts(Duration.ofSeconds(5), null));
			return HappyPath.bareCall(context.getBean(WebClient.Builder.class), connector,
					baseUrl + "/chat/completions", BenchServer.HAPPY);
		}

	}

}
