package io.github.llmresilience.benchmarks.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;

/**
 * A client of the {@code peers} scenario, built at its defaults and driven the way its
 * users drive it: a reactive client is subscribed to, with no thread per call; a blocking
 * one is called on a thread pool sized to the calls in flight, which belongs to the
 * client (its threads count as the client's). Every client points at the same server with
 * a dummy key and asks for the text of the completion of one user message,
 * {@code call:<id>}.
 */
final class Peer implements AutoCloseable {

	static final String API_KEY = "sk-bench";

	/**
	 * OkHttp's own keep-alive, kept when the idle connections are changed (both must be
	 * set).
	 */
	static final Duration OKHTTP_KEEP_ALIVE = Duration.ofMinutes(5);

	/**
	 * Reactor Netty's event loops and Reactor's schedulers, which every reactive client
	 * of a JVM shares.
	 */
	private static final List<String> REACTOR_THREADS = List.of("reactor-", "parallel-", "boundedElastic-");

	/**
	 * OkHttp's task runner, which every OkHttp client of a JVM shares.
	 */
	private static final List<String> OKHTTP_THREADS = List.of("OkHttp ");

	/**
	 * The clients, in the order they are set up.
	 */
	static final List<String> KEYS = List.of("bare", "starter", "starter-nometers", "openai", "langchain4j",
			"springai");

	final String key;

	final String name;

	/**
	 * How its users call it: {@code reactive} or {@code blocking, N threads}.
	 */
	final String driver;

	/**
	 * Its default retry policy, as the scenario runs it.
	 */
	final String retries;

	/**
	 * The name prefixes of the threads of libraries it shares with other clients.
	 */
	final List<String> sharedThreads;

	private final @Nullable Function<String, Mono<?>> reactive;

	private final @Nullable Function<String, ?> blocking;

	private final @Nullable ExecutorService pool;

	private final int threads;

	private final List<AutoCloseable> resources;

	private Peer(String key, String name, String retries, List<String> sharedThreads,
			@Nullable Function<String, Mono<?>> reactive, @Nullable Function<String, ?> blocking, int threads,
			List<AutoCloseable> resources) {
		this.key = key;
		this.sharedThreads = sharedThreads;
		this.name = name;
		this.retries = retries;
		this.reactive = reactive;
		this.blocking = blocking;
		this.threads = threads;
		this.pool = (blocking != null) ? Executors.newFixedThreadPool(threads, named("peer-" + key)) : null;
		this.driver = (blocking != null) ? "blocking, " + threads + " threads" : "reactive";
		this.resources = resources;
	}

	/**
	 * Make calls {@code prefix + 0} to {@code prefix + (n - 1)}, {@code concurrency} at a
	 * time.
	 * @param runner counts the outcomes
	 * @param n the number of calls
	 * @param concurrency the calls in flight; a blocking client's pool has as many
	 * threads
	 * @param prefix the prefix of the calls' ids
	 * @param latencies where the latencies go
	 * @return the wall time in nanoseconds
	 * @throws InterruptedException if interrupted while waiting for the calls
	 */
	long run(CallRunner runner, int n, int concurrency, String prefix, Latencies latencies)
			throws InterruptedException {
		Function<String, Mono<?>> reactive = this.reactive;
		if (reactive != null) {
			return runner.run(n, concurrency, (i) -> reactive.apply(prefix + i), latencies);
		}
		Function<String, ?> blocking = this.blocking;
		if (this.pool == null || blocking == null || concurrency != this.threads) {
			throw new IllegalStateException(this.name + " runs on a pool of " + this.threads + " threads");
		}
		return runner.runBlocking(n, this.pool, concurrency, (i) -> blocking.apply(prefix + i), latencies);
	}

	@Override
	public void close() throws Exception {
		if (this.pool != null) {
			this.pool.shutdown();
			this.pool.awaitTermination(10, TimeUnit.SECONDS);
		}
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

	@Override
	public String toString() {
		return this.name;
	}

	/**
	 * Build a client.
	 * @param key one of {@link #KEYS}
	 * @param baseUrl the server's OpenAI base URL, ending in {@code /v1}
	 * @param model the model every call asks for
	 * @param concurrency the calls in flight, and the threads of a blocking client's pool
	 * @param okHttpIdleConnections the idle connections that the OkHttp clients of
	 * openai-java and Spring AI keep, or {@code null} for OkHttp's default (5)
	 * @return the client
	 */
	static Peer create(String key, String baseUrl, String model, int concurrency,
			@Nullable Integer okHttpIdleConnections) {
		return switch (key) {
			case "bare" -> bare(baseUrl, model);
			case "starter" -> starter(key, "starter (LlmClient)", baseUrl, model, StarterApp.Application.class);
			case "starter-nometers" ->
				starter(key, "starter, no meters", baseUrl, model, StarterApp.UnobservedApplication.class);
			case "openai" -> openAi(baseUrl, model, concurrency, okHttpIdleConnections);
			case "langchain4j" -> langChain4j(baseUrl, model, concurrency);
			case "springai" -> springAi(baseUrl, model, concurrency, okHttpIdleConnections);
			default -> throw new IllegalArgumentException("Unknown client '" + key + "'; the clients are " + KEYS);
		};
	}

	/**
	 * A bare {@code WebClient} from Spring Boot's builder, as scenario (a)'s baseline:
	 * Boot's Reactor connector on a pool of 500 connections (the starter's default
	 * {@code max-connections}), the request and the completion as records, no retry.
	 */
	private static Peer bare(String baseUrl, String model) {
		ConfigurableApplicationContext context = StarterApp.start(StarterApp.WebClientApplication.class, Map.of());
		List<ConnectionProvider> pools = new ArrayList<>();
		ConnectionProvider pool = HappyPath.pool(pools, "peer-bare", 500);
		ClientHttpConnector connector = ClientHttpConnectorBuilder.reactor()
			.withHttpClientFactory(() -> HttpClient.create(pool))
			.build(HttpClientSettings.defaults().withTimeouts(Duration.ofSeconds(5), null));
		Function<String, Mono<?>> call = HappyPath.bareCall(context.getBean(WebClient.Builder.class), connector,
				baseUrl + "/chat/completions", model);
		return new Peer("bare", "bare WebClient", "none: a bare WebClient does not retry", REACTOR_THREADS, call, null,
				0, List.of(context, () -> pool.disposeLater().block(Duration.ofSeconds(10))));
	}

	/**
	 * The starter as scenario (a) runs it, with its defaults:
	 * {@code llm.providers.bench.*} and a default policy naming the model, nothing else.
	 */
	private static Peer starter(String key, String name, String baseUrl, String model, Class<?> application) {
		ConfigurableApplicationContext context = StarterApp.start(application,
				Map.of("llm.providers.bench.base-url", baseUrl, "llm.providers.bench.api-key", API_KEY,
						"llm.policies.default.provider", "bench", "llm.policies.default.model", model));
		LlmClient llm = context.getBean(LlmClient.class);
		return new Peer(key, name,
				"max-attempts 4 (3 retries) on 408, 409, 429, 5xx and connection failures; waits 2 s, 4 s, 8 s "
						+ "(x2, jitter 0.5, at most 30 s) unless the server names a wait: Retry-After / "
						+ "retry-after-ms honoured up to 60 s; circuit breaker per target (50 % of 20 tries)",
				REACTOR_THREADS,
				(id) -> llm.chat(ChatRequest.builder().user(Wire.content(id)).build()).map(ChatResponse::content), null,
				0, List.of(context));
	}

	/**
	 * openai-java (the official SDK) with its OkHttp client, as its README builds it.
	 */
	private static Peer openAi(String baseUrl, String model, int concurrency, @Nullable Integer idleConnections) {
		OpenAIOkHttpClient.Builder builder = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(API_KEY);
		if (idleConnections != null) {
			builder.maxIdleConnections(idleConnections).keepAliveDuration(OKHTTP_KEEP_ALIVE);
		}
		OpenAIClient client = builder.build();
		return new Peer("openai", "openai-java",
				"maxRetries 2 (3 attempts) on 408, 409, 429, 5xx and I/O errors; "
						+ "waits 0.5 s, 1 s (x2, at most 8 s, jitter -25 %) unless the server names a wait: "
						+ "Retry-After-Ms / Retry-After honoured (up to 8 s)",
				OKHTTP_THREADS, null, (id) -> {
					ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
						.model(model)
						.addUserMessage(Wire.content(id))
						.build();
					ChatCompletion completion = client.chat().completions().create(params);
					return completion.choices().get(0).message().content().orElse(null);
				}, concurrency, List.of(client::close));
	}

	/**
	 * LangChain4j's {@code OpenAiChatModel} with its default HTTP client (the JDK's).
	 */
	private static Peer langChain4j(String baseUrl, String model, int concurrency) {
		OpenAiChatModel chatModel = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(API_KEY).modelName(model).build();
		return new Peer("langchain4j", "LangChain4j OpenAiChatModel",
				"maxRetries 2 (3 attempts) on 408, 429, 5xx and I/O errors; waits 0.5 s, 0.75 s (x1.5, +0-20 % "
						+ "jitter); Retry-After ignored",
				List.of(), null, (id) -> chatModel.chat(Wire.content(id)), concurrency, List.of());
	}

	/**
	 * Spring AI's OpenAI {@code ChatModel} as {@code spring-ai-starter-model-openai}
	 * auto-configures it ({@code spring.ai.openai.*}), on openai-java and Spring AI's own
	 * OkHttp client.
	 */
	private static Peer springAi(String baseUrl, String model, int concurrency, @Nullable Integer idleConnections) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.ai.openai.base-url", baseUrl);
		properties.put("spring.ai.openai.api-key", API_KEY);
		properties.put("spring.ai.openai.chat.model", model);
		if (idleConnections != null) {
			properties.put(StarterApp.SpringAiApplication.IDLE_CONNECTIONS, idleConnections);
		}
		ConfigurableApplicationContext context = StarterApp.start(StarterApp.SpringAiApplication.class, properties);
		ChatModel chatModel = context.getBean(ChatModel.class);
		return new Peer("springai", "Spring AI OpenAiChatModel",
				"spring.ai.openai.max-retries 3 (4 attempts), through openai-java's retry: on 408, 409, 429, 5xx and "
						+ "I/O errors; waits 0.5 s, 1 s, 2 s unless the server names a wait: Retry-After honoured",
				OKHTTP_THREADS, null, (id) -> chatModel.call(Wire.content(id)), concurrency, List.of(context));
	}

	private static ThreadFactory named(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

}
