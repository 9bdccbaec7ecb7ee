package io.github.llmresilience.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

/**
 * {@link FakeLlmServer} as the load harness drives it from another JVM: its answers
 * depend on the model a request names, and it counts requests per model, which the
 * harness reads through a line protocol on standard input and output ({@code counts},
 * {@code reset}, {@code probe <id>}; end of input stops the server).
 * <p>
 * Every request names its logical call in its user message ({@code call:<id>}); the
 * server counts the attempts of each call per model, so that a scripted answer can depend
 * on the attempt:
 * <ul>
 * <li>{@value #STORM}: the first attempt of a call gets 429 with {@code Retry-After},
 * later ones 200;</li>
 * <li>{@value #MIX_PRIMARY}, {@value #MIX_FALLBACK}: attempt {@code k} of call {@code i}
 * gets 429 with {@code Retry-After}, 503, or 200 from a seeded hash of
 * {@code (i, model, k)}, so two clients that run the same calls meet the same faults in
 * the same places;</li>
 * <li>{@value #HAPPY_SLOW}: 200 after a delay, as a model takes time to answer;</li>
 * <li>{@value #BROWNOUT}: attempt {@code k} of call {@code i} gets 503 with the
 * brownout's share, from the same seeded hash, else 200;</li>
 * <li>{@value #PACED}: an account with a request limit: every n-th request is answered
 * 200 with {@code x-ratelimit-remaining-requests: 0} and a reset, and requests that
 * arrive before the reset are answered 429 with the same headers (and no
 * {@code Retry-After}), as OpenAI answers;</li>
 * <li>{@value #ACCOUNT}: an account of n requests per fixed window that answers 429 over
 * it, every answer carrying OpenAI's {@code x-ratelimit-limit-requests},
 * {@code -remaining-requests} and {@code -reset-requests};</li>
 * <li>{@value #HEDGE_PRIMARY}: 200 after a short delay for most calls and a long one for
 * a seeded share of them (drawn from the call, so that every client meets the same slow
 * calls), as a provider that has slow minutes;</li>
 * <li>{@value #HEDGE_FALLBACK}: 200 after the short delay;</li>
 * <li>{@value #COOLING}: always 429 with {@code Retry-After: 120};</li>
 * <li>{@value #CAPPED}: a provider with a concurrency limit: 200 after a delay while
 * fewer than its limit are being answered, 429 (without {@code Retry-After}) at once
 * beyond it, as GitHub Models answers a ninth request at once;</li>
 * <li>{@value #SOAK_PRIMARY}, {@value #SOAK_FALLBACK}: attempt {@code k} of call
 * {@code i} meets one of every fault the testkit has, or 200, from the same seeded hash
 * ({@link SoakFaults});</li>
 * <li>any model whose name starts with {@value #POOL_ACCOUNT}: an account of its own that
 * allows {@code --pool-per-window} requests per {@code --pool-window-ms} from the first
 * request of a window, and says so on every answer as OpenAI does (the limit, what
 * remains, the reset); beyond the limit it answers 429 with the same headers and no
 * {@code Retry-After}. Its 429s are counted under the model's name followed by
 * {@value #REJECTED};</li>
 * <li>{@value #DOWN} and any model whose name starts with it: always 503;</li>
 * <li>any other model: 200.</li>
 * </ul>
 * A request whose call id starts with {@value #PROBE_PREFIX} is kept, so that the harness
 * can show what each client sends ({@code probe <id>}).
 */
public final class BenchServer {

	static final String HAPPY = "happy";

	static final String HAPPY_SLOW = "happy-slow";

	static final String STORM = "storm";

	static final String MIX_PRIMARY = "mix-a";

	static final String MIX_FALLBACK = "mix-b";

	static final String DOWN = "down";

	static final String BROWNOUT = "brownout";

	static final String PACED = "paced";

	static final String ACCOUNT = "account";

	static final String HEDGE_PRIMARY = "hedge-primary";

	static final String HEDGE_FALLBACK = "hedge-fallback";

	static final String BACKUP = "backup";

	static final String SOAK_PRIMARY = "soak-a";

	static final String SOAK_FALLBACK = "soak-b";

	/**
	 * A model whose server always asks for two minutes: 429 with
	 * {@code Retry-After: 120}.
	 */
	static final String COOLING = "cooling";

	/**
	 * The prefix of the models that are accounts with a request limit per window.
	 */
	static final String POOL_ACCOUNT = "pool-account-";

	/**
	 * What follows an account's name in the counts of its 429s.
	 */
	static final String REJECTED = "/429";

	/**
	 * A model with a concurrency limit: beyond it, 429 at once.
	 */
	static final String CAPPED = "capped";

	static final String READY = "BenchServer listening on ";

	/**
	 * The server's options and their defaults (the harness passes them all).
	 */
	static final Map<String, String> OPTIONS = options("seed", "42", "mix-rate-limited", "0.3", "mix-server-error",
			"0.1", "mix-retry-after", "1", "storm-retry-after", "2", "slow-delay-ms", "50", "hedge-fast-ms", "200",
			"hedge-slow-ms", "5000", "hedge-slow-share", "0.1", "brownout", "0.4", "paced-every", "20",
			"paced-reset-ms", "2000", "account-requests", "10", "account-window-ms", "2000", "capped-limit", "8",
			"capped-ms", "50", "soak-faults", "all", "pool-per-window", "10", "pool-window-ms", "2000");

	static final String COUNTS = "COUNTS";

	static final String RESET = "RESET";

	static final String PROBE = "PROBE";

	static final String PROBE_PREFIX = "probe-";

	private static final String PROBE_MARK = "call:" + PROBE_PREFIX;

	private final ConcurrentMap<String, RecordedRequest> probes = new ConcurrentHashMap<>();

	private final ConcurrentMap<String, LongAdder> counts = new ConcurrentHashMap<>();

	private final ConcurrentMap<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	private final long seed;

	private final double rateLimited;

	private final double serverError;

	private final FakeResponse ok = FakeResponse.ok("Hello");

	private final FakeResponse cooling = FakeResponse.status(429).retryAfterSeconds(120);

	private final FakeResponse slow;

	private final FakeResponse hedgeFast;

	private final FakeResponse hedgeSlow;

	private final double hedgeSlowShare;

	private final FakeResponse stormRateLimited;

	private final FakeResponse mixRateLimited;

	private final FakeResponse unavailable = FakeResponse.error(503, "server_error", null,
			"The server is temporarily unavailable");

	private final SoakFaults soakFaults;

	private final double brownout;

	private final int pacedEvery;

	private final long pacedResetMillis;

	private final int accountRequests;

	private final long accountWindowMillis;

	private final long accountStart = System.nanoTime();

	private long accountWindow = -1;

	private int accountUsed;

	/**
	 * The first window of the account since the counts were reset, or -1.
	 */
	private long accountFirstWindow = -1;

	private final AtomicLong pacedRequests = new AtomicLong();

	private volatile long pacedUntilNanos = Long.MIN_VALUE;

	private final int poolPerWindow;

	private final long poolWindowMillis;

	private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

	private final int cappedLimit;

	private final long cappedMillis;

	// When each request being answered by the capped model ends, earliest first. Guarded
	// by itself.
	private final java.util.PriorityQueue<Long> cappedEnds = new java.util.PriorityQueue<>();

	private final FakeResponse overCapped = FakeResponse.error(429, "too_many_requests", "too_many_requests",
			"Too many concurrent requests: this model accepts a limited number of requests at once.");

	/**
	 * Create the server.
	 * @param options a value for every name in {@link #OPTIONS}
	 */
	BenchServer(Map<String, String> options) {
		this.seed = Long.parseLong(option(options, "seed"));
		this.rateLimited = Double.parseDouble(option(options, "mix-rate-limited"));
		this.serverError = Double.parseDouble(option(options, "mix-server-error"));
		this.mixRateLimited = FakeResponse.status(429)
			.retryAfterSeconds(Long.parseLong(option(options, "mix-retry-after")));
		this.stormRateLimited = FakeResponse.status(429)
			.retryAfterSeconds(Long.parseLong(option(options, "storm-retry-after")));
		this.slow = delayed(option(options, "slow-delay-ms"));
		this.hedgeFast = delayed(option(options, "hedge-fast-ms"));
		this.hedgeSlow = delayed(option(options, "hedge-slow-ms"));
		this.hedgeSlowShare = Double.parseDouble(option(options, "hedge-slow-share"));
		this.brownout = Double.parseDouble(option(options, "brownout"));
		this.pacedEvery = Integer.parseInt(option(options, "paced-every"));
		this.pacedResetMillis = Long.parseLong(option(options, "paced-reset-ms"));
		this.accountRequests = Integer.parseInt(option(options, "account-requests"));
		this.accountWindowMillis = Long.parseLong(option(options, "account-window-ms"));
		this.cappedLimit = Integer.parseInt(option(options, "capped-limit"));
		this.cappedMillis = Long.parseLong(option(options, "capped-ms"));
		this.soakFaults = new SoakFaults(SoakFaults.parse(option(options, "soak-faults")));
		this.poolPerWindow = Integer.parseInt(option(options, "pool-per-window"));
		this.poolWindowMillis = Long.parseLong(option(options, "pool-window-ms"));
	}

	private static Map<String, String> options(String... namesAndDefaults) {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = 0; i < namesAndDefaults.length; i += 2) {
			options.put(namesAndDefaults[i], namesAndDefaults[i + 1]);
		}
		return Collections.unmodifiableMap(options);
	}

	private static String option(Map<String, String> options, String name) {
		return Objects.requireNonNull(options.get(name), () -> "No option --" + name);
	}

	private static FakeResponse delayed(String millis) {
		return FakeResponse.ok("Hello").delay(java.time.Duration.ofMillis(Long.parseLong(millis)));
	}

	/**
	 * Run the server until standard input ends. Arguments: {@code [port]}, then any of
	 * {@link #OPTIONS} as {@code --name=value}.
	 * @param args the arguments
	 * @throws IOException if standard input fails
	 */
	public static void main(String[] args) throws IOException {
		int port = 0;
		Map<String, String> options = new LinkedHashMap<>(OPTIONS);
		for (String arg : args) {
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--")) {
				port = Integer.parseInt(arg);
			}
			else if (equals > 0 && OPTIONS.containsKey(arg.substring(2, equals))) {
				options.put(arg.substring(2, equals), arg.substring(equals + 1));
			}
			else {
				System.err.println("Unknown option " + arg);
				System.exit(2);
			}
		}
		BenchServer bench = new BenchServer(options);
		try (FakeLlmServer server = FakeLlmServer.start(port)) {
			server.recordRequests(false).defaultResponder(bench::answer);
			System.out.println(READY + server.baseUrl());
			System.out.flush();
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			for (String line = in.readLine(); line != null; line = in.readLine()) {
				String command = line.trim();
				if (command.startsWith("probe ")) {
					System.out.println(PROBE + "\t" + bench.probe(command.substring(6).trim()));
				}
				else {
					switch (command) {
						case "counts" -> System.out.println(COUNTS + " " + bench.counts());
						case "reset" -> {
							bench.reset();
							System.out.println(RESET);
						}
						default -> System.out.println("ERROR unknown command " + line);
					}
				}
				System.out.flush();
			}
		}
	}

	FakeResponse answer(RecordedRequest request) {
		String model = (request.model() != null) ? request.model() : "";
		this.counts.computeIfAbsent(model, (key) -> new LongAdder()).increment();
		if (request.body().contains(PROBE_MARK)) {
			this.probes.put(callId(request), request);
		}
		if (model.startsWith(DOWN)) {
			return this.unavailable;
		}
		if (model.startsWith(POOL_ACCOUNT)) {
			return poolAccount(model);
		}
		return switch (model) {
			case STORM -> (attempt(request, model) == 1) ? this.stormRateLimited : this.ok;
			case MIX_PRIMARY, MIX_FALLBACK -> mix(request, model);
			case HAPPY_SLOW -> this.slow;
			case BROWNOUT -> (draw(this.seed, callIndex(request), model, attempt(request, model)) < this.brownout)
					? this.unavailable : this.ok;
			case PACED -> paced();
			case ACCOUNT -> account();
			case HEDGE_PRIMARY -> slowCall(request) ? this.hedgeSlow : this.hedgeFast;
			case HEDGE_FALLBACK -> this.hedgeFast;
			case COOLING -> this.cooling;
			case CAPPED -> capped();
			case SOAK_PRIMARY, SOAK_FALLBACK -> this.soakFaults
				.answer(draw(this.seed, callIndex(request), model, attempt(request, model)), streamed(request));
			default -> this.ok;
		};
	}

	/**
	 * An account with a limit of requests per window, which reports it as OpenAI does
	 * (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers) and
	 * enforces it with a 429 without {@code Retry-After}.
	 */
	private FakeResponse poolAccount(String model) {
		Window window = this.windows.computeIfAbsent(model, (key) -> new Window());
		int limit = this.poolPerWindow;
		long now = System.nanoTime();
		boolean allowed;
		int remaining;
		long resetMillis;
		synchronized (window) {
			if (window.start == Long.MIN_VALUE || now - window.start >= this.poolWindowMillis * 1_000_000) {
				window.start = now;
				window.used = 0;
			}
			allowed = window.used < limit;
			if (allowed) {
				window.used++;
			}
			remaining = limit - window.used;
			resetMillis = Math.max(1, (window.start + this.poolWindowMillis * 1_000_000 - now) / 1_000_000);
		}
		FakeResponse response;
		if (allowed) {
			response = FakeResponse.ok("Hello");
		}
		else {
			this.counts.computeIfAbsent(model + REJECTED, (key) -> new LongAdder()).increment();
			response = FakeResponse.error(429, "requests", "rate_limit_exceeded",
					"Rate limit reached for requests. Limit: " + limit + ", Used: " + limit + ", Requested: 1.");
		}
		return response.header("x-ratelimit-limit-requests", Integer.toString(limit))
			.header("x-ratelimit-remaining-requests", Integer.toString(remaining))
			.header("x-ratelimit-reset-requests", resetMillis + "ms");
	}

	/**
	 * The current window of an account.
	 */
	private static final class Window {

		private long start = Long.MIN_VALUE;

		private int used;

	}

	/**
	 * A provider that answers {@code cappedLimit} requests at once, each after
	 * {@code cappedMillis}, and 429 to a request beyond them. A request that followed
	 * another on its connection arrived after that one's answer was written, so an answer
	 * is counted until its delay has passed.
	 */
	private FakeResponse capped() {
		long now = System.nanoTime();
		synchronized (this.cappedEnds) {
			while (!this.cappedEnds.isEmpty() && this.cappedEnds.peek() - now <= 0) {
				this.cappedEnds.poll();
			}
			if (this.cappedEnds.size() >= this.cappedLimit) {
				this.counts.computeIfAbsent(CAPPED + "-429", (key) -> new LongAdder()).increment();
				return this.overCapped;
			}
			this.cappedEnds.add(now + this.cappedMillis * 1_000_000);
		}
		return FakeResponse.ok("Hello").delay(java.time.Duration.ofMillis(this.cappedMillis));
	}

	/**
	 * An account that allows {@code pacedEvery} requests, then is used up until its
	 * reset.
	 */
	private FakeResponse paced() {
		long now = System.nanoTime();
		String reset = this.pacedResetMillis + "ms";
		if (now - this.pacedUntilNanos < 0) {
			String left = Math.max(1, (this.pacedUntilNanos - now) / 1_000_000) + "ms";
			return FakeResponse
				.error(429, "requests", "rate_limit_exceeded",
						"Rate limit reached for requests per minute. Please try again later.")
				.header("x-ratelimit-limit-requests", Integer.toString(this.pacedEvery))
				.header("x-ratelimit-remaining-requests", "0")
				.header("x-ratelimit-reset-requests", left);
		}
		long n = this.pacedRequests.incrementAndGet();
		if (n % this.pacedEvery == 0) {
			this.pacedUntilNanos = now + this.pacedResetMillis * 1_000_000;
			return FakeResponse.ok("Hello")
				.header("x-ratelimit-limit-requests", Integer.toString(this.pacedEvery))
				.header("x-ratelimit-remaining-requests", "0")
				.header("x-ratelimit-reset-requests", reset);
		}
		return FakeResponse.ok("Hello")
			.header("x-ratelimit-limit-requests", Integer.toString(this.pacedEvery))
			.header("x-ratelimit-remaining-requests", Long.toString(this.pacedEvery - n % this.pacedEvery))
			.header("x-ratelimit-reset-requests", reset);
	}

	/**
	 * An account of {@code accountRequests} per fixed window from the server's start,
	 * which answers 429 over it; every answer says what is left and when the window ends
	 * (rounded up to the millisecond, so never before it ends).
	 */
	private synchronized FakeResponse account() {
		long windowNanos = this.accountWindowMillis * 1_000_000;
		long elapsed = System.nanoTime() - this.accountStart;
		long window = elapsed / windowNanos;
		if (window != this.accountWindow) {
			this.accountWindow = window;
			this.accountUsed = 0;
		}
		if (this.accountFirstWindow < 0) {
			this.accountFirstWindow = window;
		}
		boolean over = this.accountUsed >= this.accountRequests;
		if (!over) {
			this.accountUsed++;
		}
		else {
			// Where the 429s fall: in which window since the counts were reset, and how
			// far into it (in tenths of the window) the request arrived.
			long tenth = (elapsed - window * windowNanos) * 10 / windowNanos;
			this.counts
				.computeIfAbsent(ACCOUNT + REJECTED + "/window-" + (window - this.accountFirstWindow),
						(key) -> new LongAdder())
				.increment();
			this.counts.computeIfAbsent(ACCOUNT + REJECTED + "/tenth-" + tenth, (key) -> new LongAdder()).increment();
		}
		String reset = Math.max(1, ((window + 1) * windowNanos - elapsed + 999_999) / 1_000_000) + "ms";
		FakeResponse answer = over
				? FakeResponse.error(429, "requests", "rate_limit_exceeded",
						"Rate limit reached for requests per minute. Please try again later.")
				: FakeResponse.ok("Hello");
		return answer.header("x-ratelimit-limit-requests", Integer.toString(this.accountRequests))
			.header("x-ratelimit-remaining-requests", Integer.toString(this.accountRequests - this.accountUsed))
			.header("x-ratelimit-reset-requests", reset);
	}

	private FakeResponse mix(RecordedRequest request, String model) {
		int attempt = attempt(request, model);
		double draw = draw(this.seed, callIndex(request), model, attempt);
		if (draw < this.rateLimited) {
			return this.mixRateLimited;
		}
		return (draw < this.rateLimited + this.serverError) ? this.unavailable : this.ok;
	}

	/**
	 * Whether the primary of the hedging scenario is slow for this call: the same for
	 * every request of the call and for the same call made by two clients.
	 */
	private boolean slowCall(RecordedRequest request) {
		return draw(this.seed, callIndex(request), HEDGE_PRIMARY, 0) < this.hedgeSlowShare;
	}

	private static boolean streamed(RecordedRequest request) {
		return request.json().at("/stream").asBoolean(false);
	}

	private int attempt(RecordedRequest request, String model) {
		String key = model + "|" + callId(request);
		return this.attempts.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
	}

	private static String callId(RecordedRequest request) {
		String content = request.json().at("/messages/0/content").asString("");
		return content.startsWith("call:") ? content.substring(5) : content;
	}

	/**
	 * The number after the last {@code -} of the call id: the same for the same call made
	 * by two clients ({@code s-17}, {@code b-17}).
	 */
	private static long callIndex(RecordedRequest request) {
		String id = callId(request);
		try {
			return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
		}
		catch (NumberFormatException ex) {
			return id.hashCode();
		}
	}

	/**
	 * A uniform number in [0, 1) from its inputs alone (SplitMix64's finaliser).
	 */
	static double draw(long seed, long call, String model, int attempt) {
		long h = seed;
		h = mix(h ^ call);
		h = mix(h ^ model.hashCode());
		h = mix(h ^ attempt);
		return (h >>> 11) * 0x1.0p-53;
	}

	private static long mix(long z) {
		z = (z + 0x9E3779B97F4A7C15L);
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

	private String counts() {
		Map<String, Long> sorted = new TreeMap<>();
		this.counts.forEach((model, count) -> sorted.put(model, count.sum()));
		StringBuilder line = new StringBuilder();
		sorted
			.forEach((model, count) -> line.append(line.isEmpty() ? "" : " ").append(model).append('=').append(count));
		return line.toString();
	}

	/**
	 * Describe the request of a probe: its headers (the value of {@code Authorization}
	 * left out) and its body, separated by a tab.
	 */
	private String probe(String id) {
		RecordedRequest request = this.probes.get(id);
		if (request == null) {
			return "-\t-";
		}
		StringBuilder headers = new StringBuilder();
		request.headers().forEach((name, values) -> {
			String value = name.equalsIgnoreCase("Authorization") ? "(left out)" : String.join(",", values);
			headers.append(headers.isEmpty() ? "" : "; ").append(name).append(": ").append(value);
		});
		return headers.toString().replaceAll("[\\t\\r\\n]", " ") + "\t" + request.body().replaceAll("[\\t\\r\\n]", " ");
	}

	private void reset() {
		synchronized (this) {
			this.accountFirstWindow = -1;
		}
		this.counts.clear();
		this.attempts.clear();
		this.pacedRequests.set(0);
		this.pacedUntilNanos = System.nanoTime();
		this.windows.clear();
		synchronized (this.cappedEnds) {
			this.cappedEnds.clear();
		}
	}

}
