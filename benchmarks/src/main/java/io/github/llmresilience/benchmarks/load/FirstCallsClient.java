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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

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
 * Each client lives in a class of its own ({@link Starter}, {@link Bare},
 * {@link Blocking}), so that a JVM loads only its client's classes.
 */
public final class FirstCallsClient {

	/**
	 * The start of the line with the figures.
	 */
	static final String RESULT = "FIRST-CALLS";

	/**
	 * The clients a JVM can run.
	 */
	static final List<String> CLIENTS = List.of("starter", "bare", "langchain4j", "openai", "starter-jdk", "bare-jdk");

	private FirstCallsClient() {
	}

	/**
	 * Run one application.
	 * @param args the client (one of {@link #CLIENTS}), the server's OpenAI base URL, the
	 * calls, the calls in flight after the first, and optionally the calls after which
	 * the wall and CPU time so far are taken too
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
		int checkpoint = (args.length > 4) ? Math.min(Integer.parseInt(args[4]), calls) : calls;
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("main", runtime.getUptime());
		// The harness's own way of running calls in flight, loaded before the clients
		// start.
		new CallRunner().run(1, 1, (i) -> Mono.just(i), new Latencies(1));
		List<AutoCloseable> resources = new ArrayList<>();
		Client call = switch (client) {
			case "starter" ->
				Client.reactive(Starter.start(StarterApp.Application.class, Map.of(), baseUrl, resources));
			case "starter-jdk" -> Client.reactive(Starter.start(StarterApp.ConnectorApplication.class,
					Map.of("spring.http.clients.reactive.connector", "jdk"), baseUrl, resources));
			case "bare" -> Client.reactive(Bare.start(baseUrl, resources));
			case "bare-jdk" -> Client.reactive(Bare.startJdk(baseUrl, resources));
			case "langchain4j" -> Client.blocking(Blocking.langChain4j(baseUrl), concurrency, resources);
			case "openai" -> Client.blocking(Blocking.openAi(baseUrl, resources), concurrency, resources);
			default -> throw new IllegalArgumentException("Unknown client '" + client + "'; one of " + CLIENTS);
		};
		figures.put("readyMillis", runtime.getUptime());
		figures.put("readyCpuMillis", Cpu.thisProcess() / 1_000_000);
		figures.put("readyClasses", classes.getTotalLoadedClassCount());
		figures.put("readyJitMillis", compiler.getTotalCompilationTime());
		long classesBefore = classes.getTotalLoadedClassCount();
		long jitBefore = compiler.getTotalCompilationTime();
		long cpuBefore = Cpu.thisProcess();
		long start = System.nanoTime();
		call.one("f-0");
		figures.put("firstWallMicros", (System.nanoTime() - start) / 1_000);
		figures.put("firstCpuMicros", (Cpu.thisProcess() - cpuBefore) / 1_000);
		figures.put("firstClasses", classes.getTotalLoadedClassCount() - classesBefore);
		long failed = 0;
		long lastStart = 0;
		int last = Math.min(100, calls - 1);
		if (concurrency <= 1) {
			for (int i = 1; i < calls; i++) {
				if (i == checkpoint) {
					checkpoint(figures, start, cpuBefore);
				}
				if (i == calls - last) {
					lastStart = System.nanoTime();
				}
				try {
					call.one("f-" + i);
				}
				catch (RuntimeException ex) {
					failed++;
				}
			}
		}
		else {
			// The calls up to the checkpoint, then the rest: the calls in flight drain
			// to none in between, for the few milliseconds the checkpoint takes.
			CallRunner runner = new CallRunner();
			call.run(runner, 1, checkpoint - 1, concurrency);
			if (checkpoint < calls) {
				checkpoint(figures, start, cpuBefore);
				call.run(runner, checkpoint, calls - checkpoint, concurrency);
			}
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

	private static void checkpoint(Map<String, Object> figures, long start, long cpuBefore) {
		figures.put("midWallMillis", (System.nanoTime() - start) / 1_000_000.0);
		figures.put("midCpuMillis", (Cpu.thisProcess() - cpuBefore) / 1_000_000.0);
	}

	/**
	 * A client as its users call it: a reactive one is subscribed to, with no thread per
	 * call; a blocking one is called on a pool of as many threads as calls in flight,
	 * created with the client (its threads start with the first calls).
	 */
	private static final class Client {

		private final @Nullable Function<String, Mono<?>> reactive;

		private final @Nullable Function<String, ?> blocking;

		private final @Nullable ExecutorService pool;

		private Client(@Nullable Function<String, Mono<?>> reactive, @Nullable Function<String, ?> blocking,
				@Nullable ExecutorService pool) {
			this.reactive = reactive;
			this.blocking = blocking;
			this.pool = pool;
		}

		static Client reactive(Function<String, Mono<?>> call) {
			return new Client(call, null, null);
		}

		static Client blocking(Function<String, ?> call, int threads, List<AutoCloseable> resources) {
			ExecutorService pool = (threads > 1) ? Executors.newFixedThreadPool(threads) : null;
			if (pool != null) {
				resources.add(pool::shutdownNow);
			}
			return new Client(null, call, pool);
		}

		void one(String id) {
			if (this.reactive != null) {
				this.reactive.apply(id).block(Duration.ofSeconds(30));
			}
			else if (this.blocking != null) {
				this.blocking.apply(id);
			}
		}

		void run(CallRunner runner, int from, int n, int concurrency) throws InterruptedException {
			if (n <= 0) {
				return;
			}
			Function<String, Mono<?>> reactive = this.reactive;
			Function<String, ?> blocking = this.blocking;
			if (reactive != null) {
				runner.run(n, concurrency, (i) -> reactive.apply("f-" + (from + i)), new Latencies(n));
			}
			else if (blocking != null && this.pool != null) {
				runner.runBlocking(n, this.pool, concurrency, (i) -> blocking.apply("f-" + (from + i)),
						new Latencies(n));
			}
		}

	}

	/**
	 * The starter as scenario (a) and {@code peers} build it: its auto-configuration with
	 * its defaults, {@code llm.providers.bench.*} and a default policy, meters on a
	 * {@code SimpleMeterRegistry} as with Actuator.
	 */
	static final class Starter {

		private Starter() {
		}

		static Function<String, Mono<?>> start(Class<?> application, Map<String, Object> properties, String baseUrl,
				List<AutoCloseable> resources) {
			Map<String, Object> all = new LinkedHashMap<>(properties);
			all.put("llm.providers.bench.base-url", baseUrl);
			all.put("llm.providers.bench.api-key", Peer.API_KEY);
			all.put("llm.policies.default.provider", "bench");
			all.put("llm.policies.default.model", BenchServer.HAPPY);
			ConfigurableApplicationContext context = StarterApp.start(application, all);
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

		/**
		 * The same on the JDK's {@code HttpClient}, as Spring Boot's
		 * {@code spring.http.clients.reactive.connector=jdk} builds it.
		 */
		static Function<String, Mono<?>> startJdk(String baseUrl, List<AutoCloseable> resources) {
			ConfigurableApplicationContext context = StarterApp.start(StarterApp.WebClientApplication.class, Map.of());
			resources.add(context);
			ClientHttpConnector connector = ClientHttpConnectorBuilder.jdk()
				.build(HttpClientSettings.defaults().withTimeouts(Duration.ofSeconds(5), null));
			return HappyPath.bareCall(context.getBean(WebClient.Builder.class), connector,
					baseUrl + "/chat/completions", BenchServer.HAPPY);
		}

	}

	/**
	 * The blocking peers, built as the {@code peers} scenario builds them ({@link Peer}):
	 * LangChain4j's {@code OpenAiChatModel} on its default HTTP client (the JDK's), and
	 * openai-java on OkHttp.
	 */
	static final class Blocking {

		private Blocking() {
		}

		/**
		 * The root logger at WARN, as the Spring applications of the other clients set it
		 * ({@link StarterApp}): Logback's default, without a configuration, is DEBUG.
		 */
		static void quietLogging() {
			if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
				root.setLevel(Level.WARN);
			}
		}

		static Function<String, ?> langChain4j(String baseUrl) {
			quietLogging();
			OpenAiChatModel model = OpenAiChatModel.builder()
				.baseUrl(baseUrl)
				.apiKey(Peer.API_KEY)
				.modelName(BenchServer.HAPPY)
				.build();
			return (id) -> model.chat(Wire.content(id));
		}

		static Function<String, ?> openAi(String baseUrl, List<AutoCloseable> resources) {
			quietLogging();
			OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(Peer.API_KEY).build();
			resources.add(client::close);
			return (id) -> {
				ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
					.model(BenchServer.HAPPY)
					.addUserMessage(Wire.content(id))
					.build();
				ChatCompletion completion = client.chat().completions().create(params);
				return completion.choices().get(0).message().content().orElse(null);
			};
		}

	}

}
