package io.github.llmresilience.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * An in-JVM, OpenAI-compatible chat-completions and embeddings server with scripted
 * answers and faults: rate limits with {@code Retry-After}, 5xx errors, connection
 * resets, hangs, slow, broken and malformed streams, truncated bodies.
 * <p>
 * The server listens on {@code 127.0.0.1} and answers {@code POST} requests on any path
 * that ends in {@code /chat/completions} or {@code /embeddings}; the rest of the path is
 * free, so that several "providers" can share one server through
 * {@link #baseUrl(String)}. Each request is {@linkplain #requests() recorded} before it
 * is answered, then answered by the {@linkplain #model(String) script of the model} its
 * JSON body names. Other paths get a 404 and a body that is not JSON or names no model
 * gets a 400, both with an OpenAI error body.
 * <p>
 * Everything is non-blocking, built on Reactor Netty with the server's own event loops:
 * delays are timers, so tens of thousands of concurrent delayed, hanging or streaming
 * exchanges cost little. Connections are kept alive between requests, as pooling clients
 * expect.
 * <p>
 * A JUnit 5 test, with {@link java.net.http.HttpClient} standing in for the client under
 * test: <pre class="code">
 * import java.net.URI;
 * import java.net.http.HttpClient;
 * import java.net.http.HttpRequest;
 * import java.net.http.HttpRequest.BodyPublishers;
 * import java.net.http.HttpResponse;
 * import java.net.http.HttpResponse.BodyHandlers;
 * import java.net.http.HttpTimeoutException;
 * import java.time.Duration;
 * import java.util.List;
 *
 * import io.github.llmresilience.testkit.FakeLlmServer;
 * import io.github.llmresilience.testkit.FakeResponse;
 * import io.github.llmresilience.testkit.RecordedRequest;
 * import org.junit.jupiter.api.AfterEach;
 * import org.junit.jupiter.api.Test;
 *
 * import static org.assertj.core.api.Assertions.assertThat;
 * import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
 * import static org.awaitility.Awaitility.await;
 *
 * class ChatClientTests {
 *
 * 	private final FakeLlmServer server = FakeLlmServer.start();
 *
 * 	private final HttpClient client = HttpClient.newHttpClient();
 *
 * 	&#64;AfterEach
 * 	void stopServer() {
 * 		this.server.close();
 * 	}
 *
 * 	&#64;Test
 * 	void rateLimitedThenAnswered() throws Exception {
 * 		this.server.model("gpt-4o-mini")
 * 			.enqueue(FakeResponse.status(429).retryAfterSeconds(1))
 * 			.thenAlways(FakeResponse.ok("Hello!"));
 *
 * 		HttpResponse&lt;String&gt; first = this.client.send(chat("gpt-4o-mini", Duration.ofSeconds(5)), BodyHandlers.ofString());
 * 		HttpResponse&lt;String&gt; second = this.client.send(chat("gpt-4o-mini", Duration.ofSeconds(5)), BodyHandlers.ofString());
 *
 * 		assertThat(first.statusCode()).isEqualTo(429);
 * 		assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
 * 		assertThat(second.body()).contains("\"content\":\"Hello!\"");
 * 		List&lt;RecordedRequest&gt; requests = this.server.requests("gpt-4o-mini");
 * 		assertThat(requests).hasSize(2);
 * 		assertThat(requests.get(0).header("authorization")).isEqualTo("Bearer sk-test");
 * 		assertThat(requests.get(0).json().at("/messages/0/content").asString()).isEqualTo("Say hello");
 * 	}
 *
 * 	&#64;Test
 * 	void clientTimeoutAbandonsAHangingExchange() {
 * 		this.server.model("gpt-4o").thenAlways(FakeResponse.hang());
 *
 * 		assertThatExceptionOfType(HttpTimeoutException.class)
 * 			.isThrownBy(() -&gt; this.client.send(chat("gpt-4o", Duration.ofMillis(200)), BodyHandlers.ofString()));
 *
 * 		await().untilAsserted(() -&gt; assertThat(this.server.abandonedExchanges()).isEqualTo(1));
 * 		assertThat(this.server.activeExchanges()).isZero();
 * 	}
 *
 * 	private HttpRequest chat(String model, Duration timeout) {
 * 		return HttpRequest.newBuilder(URI.create(this.server.baseUrl() + "/chat/completions"))
 * 			.timeout(timeout)
 * 			.header("Authorization", "Bearer sk-test")
 * 			.header("Content-Type", "application/json")
 * 			.POST(BodyPublishers.ofString(
 * 					"{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}"))
 * 			.build();
 * 	}
 *
 * }
 * </pre>
 * <p>
 * One server can also serve a whole test class: start it in a {@code static} field or a
 * {@code @BeforeAll} method and call {@link #reset()} after each test. A streamed answer
 * is scripted the same way, for example
 * {@code FakeResponse.ok("Once upon a time").chunkDelay(Duration.ofMillis(20)).breakAfter(2)}
 * for a stream that is cut after two chunks.
 * <p>
 * An embeddings request is scripted by the same {@linkplain #model(String) model script},
 * with the same faults; its successful answer holds one deterministic vector per input,
 * {@link #embedding(String, int)}, so that a test can assert them, for example
 * {@code server.model("text-embedding-3-small").enqueue(FakeResponse.status(429).retryAfterMillis(50))}
 * then {@code FakeResponse.embeddings()} by default.
 * <p>
 * The {@link #main(String[])} method runs the server on its own, for benchmarks in
 * another JVM.
 */
public final class FakeLlmServer implements AutoCloseable {

	private static final String CHAT_COMPLETIONS = "/chat/completions";

	private static final String EMBEDDINGS = "/embeddings";

	/**
	 * The length of the vectors of an embeddings request that does not ask for
	 * {@code dimensions}: short, so that tests read them easily.
	 */
	public static final int DEFAULT_DIMENSIONS = 8;

	private static final String HOST = "127.0.0.1";

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private static final Function<RecordedRequest, FakeResponse> HELLO = (request) -> FakeResponse
		.ok("Hello from " + request.model());

	private static final AtomicInteger instances = new AtomicInteger();

	private static final System.Logger logger = System.getLogger(FakeLlmServer.class.getName());

	private final ConcurrentMap<String, ModelScript> scripts = new ConcurrentHashMap<>();

	private final List<RecordedRequest> recorded = new ArrayList<>();

	private final AtomicInteger active = new AtomicInteger();

	private final AtomicInteger delayed = new AtomicInteger();

	private final AtomicInteger peakActive = new AtomicInteger();

	private volatile int concurrencyLimit = Integer.MAX_VALUE;

	private volatile FakeResponse overConcurrencyLimit = FakeResponse.status(429);

	private final AtomicInteger abandoned = new AtomicInteger();

	private final AtomicInteger connections = new AtomicInteger();

	private final AtomicLong completionIds = new AtomicLong();

	private final AtomicBoolean closed = new AtomicBoolean();

	private volatile Function<RecordedRequest, FakeResponse> defaultResponder = HELLO;

	private volatile boolean recording = true;

	private final LoopResources loops;

	private final DisposableServer server;

	private FakeLlmServer(int port) {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("'port' must be between 0 and 65535, was " + port);
		}
		// Own event loops rather than Reactor Netty's global ones: a Spring context that
		// disposes the global resources when it closes must not take the server down, and
		// closing the server must close its hanging connections.
		this.loops = LoopResources.create("fake-llm-" + instances.incrementAndGet(), 1,
				Math.max(2, Runtime.getRuntime().availableProcessors()), true);
		try {
			this.server = HttpServer.create().host(HOST).port(port).runOn(this.loops).doOnConnection((connection) -> {
				this.connections.incrementAndGet();
				connection.onDispose(this.connections::decrementAndGet);
			}).handle(this::handle).bindNow();
		}
		catch (RuntimeException ex) {
			this.loops.disposeLater(Duration.ZERO, CLOSE_TIMEOUT).block(CLOSE_TIMEOUT);
			throw ex;
		}
	}

	/**
	 * Start a server on a free port of {@code 127.0.0.1}. It is ready to answer when this
	 * method returns, a matter of milliseconds once Netty's classes are loaded.
	 * @return the running server
	 */
	public static FakeLlmServer start() {
		return start(0);
	}

	/**
	 * Start a server on the given port of {@code 127.0.0.1}.
	 * @param port the port, or 0 for a free one
	 * @return the running server
	 * @throws RuntimeException if the port cannot be bound, for example because it is in
	 * use
	 */
	public static FakeLlmServer start(int port) {
		return new FakeLlmServer(port);
	}

	/**
	 * Return the port the server listens on.
	 * @return the port
	 */
	public int port() {
		return this.server.port();
	}

	/**
	 * Return the base URL of the OpenAI API, to which clients append
	 * {@code /chat/completions}.
	 * @return {@code http://127.0.0.1:<port>/v1}
	 */
	public String baseUrl() {
		return "http://" + HOST + ":" + port() + "/v1";
	}

	/**
	 * Return a base URL under a prefix, so that several configured providers can share
	 * this server and still be told apart by the {@link RecordedRequest#path() recorded
	 * path}.
	 * @param prefix the first path segment(s), for example {@code openai} or
	 * {@code azure/east}; leading and trailing slashes are ignored
	 * @return {@code http://127.0.0.1:<port>/<prefix>/v1}
	 */
	public String baseUrl(String prefix) {
		Objects.requireNonNull(prefix, "'prefix' must not be null");
		String trimmed = prefix.replaceAll("^/+|/+$", "");
		return trimmed.isEmpty() ? baseUrl() : "http://" + HOST + ":" + port() + "/" + trimmed + "/v1";
	}

	/**
	 * Return the script of a model, creating it on first use with the default answer
	 * {@code ok("Hello from <model>")}. After {@link #reset()} a new script is created.
	 * @param model the model named in the requests' JSON bodies
	 * @return the script, to queue responses or change the default
	 */
	public ModelScript model(String model) {
		Objects.requireNonNull(model, "'model' must not be null");
		return this.scripts.computeIfAbsent(model, ModelScript::new);
	}

	/**
	 * Set how models answer when neither their queue nor their own default
	 * ({@link ModelScript#thenAlways(FakeResponse)},
	 * {@link ModelScript#respondWith(Function)}) says otherwise; initially
	 * {@code ok("Hello from <model>")}. Useful when the models are not known in advance,
	 * as in benchmarks. Forgotten by {@link #reset()}.
	 * @param responder the function from the recorded request to its response; it runs on
	 * an event loop and must not block
	 * @return this server
	 */
	public FakeLlmServer defaultResponder(Function<RecordedRequest, FakeResponse> responder) {
		this.defaultResponder = Objects.requireNonNull(responder, "'responder' must not be null");
		return this;
	}

	/**
	 * Answer {@code 429} to a request that arrives while {@code limit} others are in
	 * progress, as providers with a concurrency limit do (GitHub Models allows 8 at once
	 * on its free tier), whatever its model's script says; the request is recorded and
	 * does not take a response from the script. Forgotten by {@link #reset()}.
	 * @param limit the most requests answered at once
	 * @return this server
	 * @see #peakExchanges()
	 */
	public FakeLlmServer concurrencyLimit(int limit) {
		return concurrencyLimit(limit, FakeResponse.status(429));
	}

	/**
	 * Answer {@code overLimit} to a request that arrives while {@code limit} others are
	 * in progress, whatever its model's script says. Forgotten by {@link #reset()}.
	 * @param limit the most requests answered at once
	 * @param overLimit the answer to a request beyond the limit
	 * @return this server
	 */
	public FakeLlmServer concurrencyLimit(int limit, FakeResponse overLimit) {
		if (limit < 1) {
			throw new IllegalArgumentException("'limit' must be at least 1, was " + limit);
		}
		this.overConcurrencyLimit = Objects.requireNonNull(overLimit, "'overLimit' must not be null");
		this.concurrencyLimit = limit;
		return this;
	}

	/**
	 * Set whether chat and embeddings requests are recorded, on by default. A long
	 * benchmark turns it off to keep memory flat; {@link #requests()} then stays empty.
	 * @param recording whether to record the next requests
	 * @return this server
	 */
	public FakeLlmServer recordRequests(boolean recording) {
		this.recording = recording;
		return this;
	}

	/**
	 * Return every chat and embeddings request received since the start or the last
	 * {@link #reset()}, in arrival order, including requests that got a 400. Other paths
	 * are not recorded.
	 * @return a snapshot copy of the recorded requests
	 */
	public List<RecordedRequest> requests() {
		synchronized (this.recorded) {
			return List.copyOf(this.recorded);
		}
	}

	/**
	 * Return the recorded requests for one model, in arrival order.
	 * @param model the model named in the requests' JSON bodies
	 * @return a snapshot copy of the model's recorded requests
	 */
	public List<RecordedRequest> requests(String model) {
		Objects.requireNonNull(model, "'model' must not be null");
		return requests().stream().filter((request) -> model.equals(request.model())).toList();
	}

	/**
	 * Return how many exchanges are in progress: their response is not finished yet
	 * because it is delayed, hanging, streaming or being written. Zero once every client
	 * got its answer or gave up.
	 * @return the number of unfinished exchanges
	 */
	public int activeExchanges() {
		return this.active.get();
	}

	/**
	 * Return how many exchanges wait on their answer's delay
	 * ({@link FakeResponse#delay}): received, answered once the delay is over. Under
	 * Reactor's virtual time the delay is virtual, and an exchange counted here waits for
	 * the test to move the time on.
	 * @return the number of exchanges whose answer waits on its delay
	 */
	public int delayedExchanges() {
		return this.delayed.get();
	}

	/**
	 * Return the most exchanges that were in progress at once since the start or the last
	 * {@link #reset()}: what a client's concurrency cap let through.
	 * @return the peak number of unfinished exchanges
	 */
	public int peakExchanges() {
		return this.peakActive.get();
	}

	/**
	 * Return how many connections clients hold open to this server, idle (kept alive in a
	 * client's pool) or busy; zero once every client closed its connections, as a client
	 * that shuts down should.
	 * @return the number of open connections
	 */
	public int openConnections() {
		return this.connections.get();
	}

	/**
	 * Return how many exchanges the client abandoned, by closing the connection or
	 * cancelling the request, before their response was finished. Exchanges that the
	 * server cut itself ({@link FakeResponse#reset()},
	 * {@link FakeResponse#truncatedBody()}, {@link FakeResponse#breakAfter(int)}) do not
	 * count. Reset to 0 by {@link #reset()}.
	 * @return the number of abandoned exchanges
	 */
	public int abandonedExchanges() {
		return this.abandoned.get();
	}

	/**
	 * Forget every model script, the default responder and the recorded requests, record
	 * requests again if recording was turned off, and set {@link #abandonedExchanges()}
	 * back to 0 and {@link #peakExchanges()} to those in progress, lift the
	 * {@linkplain #concurrencyLimit(int) concurrency limit}, so that one server can serve
	 * several tests. Exchanges in progress carry on with the responses they already took.
	 */
	public void reset() {
		this.scripts.clear();
		this.defaultResponder = HELLO;
		this.recording = true;
		synchronized (this.recorded) {
			this.recorded.clear();
		}
		this.abandoned.set(0);
		this.peakActive.set(this.active.get());
		this.concurrencyLimit = Integer.MAX_VALUE;
	}

	/**
	 * Stop the server: close the listening socket and every open connection, including
	 * hanging ones, and release the event loops. Calling it again does nothing.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		try {
			this.server.disposeNow(CLOSE_TIMEOUT);
		}
		finally {
			// No quiet period: nothing is expected to arrive once the server is closed.
			this.loops.disposeLater(Duration.ZERO, CLOSE_TIMEOUT).block(CLOSE_TIMEOUT.multipliedBy(2));
		}
	}

	/**
	 * Return the time between each recorded request and the previous one, for example to
	 * check that a client backed off as told by {@code Retry-After}.
	 * @param requests recorded requests, in arrival order
	 * @return one gap fewer than there are requests:
	 * {@code receivedNanos[i] - receivedNanos[i - 1]}
	 */
	public static List<Duration> gaps(List<RecordedRequest> requests) {
		Objects.requireNonNull(requests, "'requests' must not be null");
		List<Duration> gaps = new ArrayList<>();
		for (int i = 1; i < requests.size(); i++) {
			gaps.add(Duration.ofNanos(requests.get(i).receivedNanos() - requests.get(i - 1).receivedNanos()));
		}
		return List.copyOf(gaps);
	}

	/**
	 * Return the vector this server answers for an input, so that a test can assert the
	 * vectors a client returns. Component {@code i} is
	 * {@code StrictMath.sin((i + 1) * (long) input.hashCode())}, then the vector is
	 * scaled to length 1 (as OpenAI's are), so equal inputs get equal vectors and
	 * different inputs, in practice, different ones.
	 * @param input the input
	 * @param dimensions the length of the vector, at least 1
	 * @return the vector
	 */
	public static float[] embedding(String input, int dimensions) {
		Objects.requireNonNull(input, "'input' must not be null");
		if (dimensions < 1) {
			throw new IllegalArgumentException("'dimensions' must be at least 1, was " + dimensions);
		}
		double[] values = new double[dimensions];
		double norm = 0;
		long hash = input.hashCode();
		for (int i = 0; i < dimensions; i++) {
			values[i] = StrictMath.sin((i + 1) * hash);
			norm += values[i] * values[i];
		}
		norm = StrictMath.sqrt(norm);
		float[] vector = new float[dimensions];
		for (int i = 0; i < dimensions; i++) {
			vector[i] = (float) ((norm > 0) ? values[i] / norm : 0);
		}
		return vector;
	}

	/**
	 * A responder for {@link #defaultResponder(Function)} or
	 * {@link ModelScript#respondWith(Function)} that answers a seeded random mix: 429s,
	 * 500s and {@code ok("Hello")}. The same seed and the same arrival order give the
	 * same answers.
	 * @param seed the seed of the random sequence
	 * @param rateLimitedFraction the share of 429 answers, 0 to 1
	 * @param serverErrorFraction the share of 500 answers, 0 to 1
	 * @param retryAfter the {@code Retry-After} of the 429s (whole seconds), or
	 * {@code null} for none
	 * @return the responder
	 */
	public static Function<RecordedRequest, FakeResponse> chaosMix(long seed, double rateLimitedFraction,
			double serverErrorFraction, @Nullable Duration retryAfter) {
		if (rateLimitedFraction < 0 || serverErrorFraction < 0 || rateLimitedFraction + serverErrorFraction > 1) {
			throw new IllegalArgumentException("Fractions must be positive and add up to at most 1, were "
					+ rateLimitedFraction + " and " + serverErrorFraction);
		}
		FakeResponse rateLimited = (retryAfter != null)
				? FakeResponse.status(429).retryAfterSeconds(retryAfter.toSeconds()) : FakeResponse.status(429);
		FakeResponse serverError = FakeResponse.status(500);
		FakeResponse ok = FakeResponse.ok("Hello");
		// java.util.Random is thread-safe, and event loops call the responder
		// concurrently.
		Random random = new Random(seed);
		return (request) -> {
			double draw = random.nextDouble();
			if (draw < rateLimitedFraction) {
				return rateLimited;
			}
			return (draw < rateLimitedFraction + serverErrorFraction) ? serverError : ok;
		};
	}

	/**
	 * Run a server until the JVM is stopped, for benchmarks that drive it from another
	 * JVM. Every model answers {@code ok("Hello")}, requests are not recorded, and the
	 * line {@code FakeLlmServer listening on <baseUrl>} is printed once the server is
	 * ready.
	 * <p>
	 * Arguments: {@code [port] [--rate-limited=<fraction>] [--retry-after=<seconds>]
	 * [--server-error=<fraction>] [--seed=<long>] [--delay-ms=<millis>]}.
	 * <ul>
	 * <li>{@code port}: the port to listen on, 0 (a free port) by default</li>
	 * <li>{@code --rate-limited}: the share of requests answered 429, 0 by default</li>
	 * <li>{@code --retry-after}: the {@code Retry-After} seconds of those 429s, none by
	 * default</li>
	 * <li>{@code --server-error}: the share of requests answered 500, 0 by default</li>
	 * <li>{@code --seed}: the seed of the random mix (see
	 * {@link #chaosMix(long, double, double, Duration)}), 42 by default</li>
	 * <li>{@code --delay-ms}: a delay before every answer, 0 by default</li>
	 * </ul>
	 * For example {@code 8089 --rate-limited=0.2 --retry-after=1 --server-error=0.05}.
	 * @param args the arguments
	 */
	public static void main(String[] args) {
		FakeLlmServer server;
		try {
			server = startFromArguments(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.err.println("Usage: FakeLlmServer [port] [--rate-limited=<fraction>] [--retry-after=<seconds>] "
					+ "[--server-error=<fraction>] [--seed=<long>] [--delay-ms=<millis>]");
			System.exit(2);
			return;
		}
		Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fake-llm-shutdown"));
		System.out.println("FakeLlmServer listening on " + server.baseUrl());
		System.out.flush();
		server.server.onDispose().block();
	}

	/**
	 * Start a server configured by {@link #main(String[]) command-line arguments}.
	 */
	static FakeLlmServer startFromArguments(String... args) {
		int port = 0;
		double rateLimited = 0;
		double serverError = 0;
		Duration retryAfter = null;
		long seed = 42;
		Duration delay = Duration.ZERO;
		for (String arg : args) {
			try {
				if (!arg.startsWith("--")) {
					port = Integer.parseInt(arg);
				}
				else if (arg.startsWith("--rate-limited=")) {
					rateLimited = Double.parseDouble(value(arg));
				}
				else if (arg.startsWith("--retry-after=")) {
					retryAfter = Duration.ofSeconds(Long.parseLong(value(arg)));
				}
				else if (arg.startsWith("--server-error=")) {
					serverError = Double.parseDouble(value(arg));
				}
				else if (arg.startsWith("--seed=")) {
					seed = Long.parseLong(value(arg));
				}
				else if (arg.startsWith("--delay-ms=")) {
					delay = Duration.ofMillis(Long.parseLong(value(arg)));
				}
				else {
					throw new IllegalArgumentException("Unknown option " + arg);
				}
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("Invalid number in " + arg, ex);
			}
		}
		Function<RecordedRequest, FakeResponse> mix = chaosMix(seed, rateLimited, serverError, retryAfter);
		Duration answerDelay = delay;
		Function<RecordedRequest, FakeResponse> responder = answerDelay.isZero() ? mix
				: (request) -> mix.apply(request).delay(answerDelay);
		FakeLlmServer server = start(port);
		return server.recordRequests(false).defaultResponder(responder);
	}

	private static String value(String arg) {
		return arg.substring(arg.indexOf('=') + 1);
	}

	private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		String target = pathAndQuery(request.uri());
		int queryStart = target.indexOf('?');
		String path = (queryStart < 0) ? target : target.substring(0, queryStart);
		String query = (queryStart < 0) ? null : target.substring(queryStart + 1);
		if (!HttpMethod.POST.equals(request.method())
				|| !(path.endsWith(CHAT_COMPLETIONS) || path.endsWith(EMBEDDINGS))) {
			return notFound(request, response, path);
		}
		int active = this.active.incrementAndGet();
		this.peakActive.accumulateAndGet(active, Math::max);
		FakeExchange exchange = new FakeExchange(response, "chatcmpl-fake" + this.completionIds.incrementAndGet(),
				this::exchangeEnded, this.delayed);
		// These hooks run before the signal reaches Reactor Netty, which may then write
		// the
		// end of the response: the counters are right by the time the client reads it.
		return request.receive()
			.aggregate()
			.asString(StandardCharsets.UTF_8)
			.defaultIfEmpty("")
			.flatMap((body) -> receive(request, path, query, body, exchange, active))
			.doOnSuccess((done) -> exchange.ended(SignalType.ON_COMPLETE))
			.doOnError((ex) -> exchange.ended(SignalType.ON_ERROR))
			.doOnCancel(() -> exchange.ended(SignalType.CANCEL));
	}

	private Mono<Void> receive(HttpServerRequest request, String path, @Nullable String query, String body,
			FakeExchange exchange, int inProgress) {
		JsonNode json = parse(body);
		JsonNode modelNode = (json != null) ? json.get("model") : null;
		String model = (modelNode != null && modelNode.isString()) ? modelNode.stringValue() : null;
		boolean stream = json != null && json.path("stream").booleanValue(false);
		Map<String, List<String>> headers = new LinkedHashMap<>();
		for (Map.Entry<String, String> header : request.requestHeaders()) {
			headers.computeIfAbsent(header.getKey(), (name) -> new ArrayList<>()).add(header.getValue());
		}
		RecordedRequest recordedRequest;
		// Reading the clock under the lock keeps the list in receivedNanos order even
		// when
		// several event loops record at once.
		synchronized (this.recorded) {
			recordedRequest = new RecordedRequest(System.nanoTime(), Instant.now(), request.method().name(), path,
					query, headers, body, model, stream);
			if (this.recording) {
				this.recorded.add(recordedRequest);
			}
		}
		// Counted when the request arrived, so that the limit holds however fast the
		// bodies are read.
		FakeResponse response = (inProgress > this.concurrencyLimit) ? this.overConcurrencyLimit
				: responseFor(recordedRequest, json);
		return exchange.respond(recordedRequest, json, response);
	}

	private FakeResponse responseFor(RecordedRequest request, @Nullable JsonNode json) {
		try {
			return scriptedResponseFor(request, json);
		}
		catch (RuntimeException ex) {
			// A failing responder is a bug in the test: say so in the answer the client
			// under test gets, rather than with a bare 500 from Reactor Netty.
			logger.log(System.Logger.Level.WARNING, "Responder failed for model " + request.model(), ex);
			return FakeResponse.error(500, "server_error", "fake_llm_responder_failed",
					"The FakeLlmServer responder failed: " + ex);
		}
	}

	private FakeResponse scriptedResponseFor(RecordedRequest request, @Nullable JsonNode json) {
		if (json == null || !json.isObject()) {
			return FakeResponse.error(400, "invalid_request_error", null,
					"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
							+ "HTTP library correctly. The OpenAI API expects a JSON payload.)");
		}
		String model = request.model();
		if (model == null) {
			return FakeResponse.error(400, "invalid_request_error", null, "you must provide a model parameter");
		}
		return model(model).next(request, this.defaultResponder);
	}

	private void exchangeEnded(boolean abandoned) {
		this.active.decrementAndGet();
		// Closing the server cancels what is in progress: that is not the client's doing.
		if (abandoned && !this.closed.get()) {
			this.abandoned.incrementAndGet();
		}
	}

	private Publisher<Void> notFound(HttpServerRequest request, HttpServerResponse response, String path) {
		String body = OpenAiJson.error(new FakeResponse.ErrorBody(
				"Unknown request URL: " + request.method().name() + " " + path + ". Please check the URL for typos.",
				"invalid_request_error", "unknown_url", true));
		return response.status(404)
			.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
			.sendByteArray(Mono.just(body.getBytes(StandardCharsets.UTF_8)));
	}

	private static @Nullable JsonNode parse(String body) {
		try {
			return body.isBlank() ? null : OpenAiJson.MAPPER.readTree(body);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	/**
	 * Strip the scheme and authority of an absolute-form request target, as a client
	 * talking through a proxy sends it.
	 */
	private static String pathAndQuery(String uri) {
		int scheme = uri.indexOf("://");
		if (scheme < 0 || uri.startsWith("/")) {
			return uri;
		}
		int pathStart = uri.indexOf('/', scheme + 3);
		return (pathStart < 0) ? "/" : uri.substring(pathStart);
	}

	@Override
	public String toString() {
		return "FakeLlmServer[" + baseUrl() + "]";
	}

}
