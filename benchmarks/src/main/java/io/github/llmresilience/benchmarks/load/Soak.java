package io.github.llmresilience.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.client.ProviderClients;

/**
 * The soak: many logical calls, {@code --soak-concurrency} in flight, through every fault
 * the testkit has ({@link SoakFaults}), half of them streamed, under three policies (one
 * that retries, one that falls back to another provider, one that hedges on it), with
 * Netty's leak detector at {@code paranoid} and counting its reports
 * ({@link LeakCounter}). The calls run in three thirds; after each, with every call
 * ended, a checkpoint collects the garbage and reads the heap, the live threads and the
 * connection pools. The run fails when any of these is off: a leak reported, an
 * {@link IllegalReferenceCountException} seen (in a call's failure, a dropped error or a
 * log line), the heap after a full collection grown by more than
 * {@value #HEAP_GROWTH_MIB} MiB from the second checkpoint to the third, a connection
 * still acquired from a pool, live threads grown from the second checkpoint to the third,
 * a call that ended neither with an answer nor with an {@link LlmException} (or never
 * ended), a call that ended past its deadline.
 */
final class Soak extends Scenario {

	static final String PRIMARY = BenchServer.SOAK_PRIMARY;

	static final String FALLBACK = BenchServer.SOAK_FALLBACK;

	static final List<String> POLICIES = List.of("soak-retry", "soak-fallback", "soak-hedge");

	/**
	 * Every policy's deadline: a call's whole time (a stream's time to its first chunk).
	 */
	static final Duration DEADLINE = Duration.ofSeconds(4);

	/**
	 * How late after its deadline a call may end before it counts as past it: the
	 * deadline's timer fires on a busy machine, with a collector that may pause it.
	 */
	static final Duration LATE = Duration.ofSeconds(5);

	/**
	 * How long after its start a call that has not ended counts as one that never ends
	 * (and is cancelled): far past its deadline and every timeout.
	 */
	static final Duration NEVER = DEADLINE.plus(Duration.ofSeconds(10));

	static final long HEAP_GROWTH_MIB = 16;

	/**
	 * How long a checkpoint gives the connections of the last calls to go back to their
	 * pool.
	 */
	static final Duration POOL_GRACE = Duration.ofSeconds(2);

	/**
	 * How many more live threads the third checkpoint may see than the second: the JVM's
	 * own come and go (compiler and collector threads are not counted, but a cleaner or a
	 * timer may be).
	 */
	static final int THREAD_SLACK = 2;

	private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	Soak(ServerProcess server, Options options) {
		super(server, options, "soak");
	}

	Result run() throws InterruptedException {
		int calls = integer("calls");
		int concurrency = integer("concurrency");
		long durationNanos = Duration.ofSeconds(this.options.longValue("soak-duration-seconds")).toNanos();
		String sabotage = this.options.string("soak-sabotage");
		boolean webClient = this.options.string("soak-client").equals("webclient");
		long seed = this.options.longValue("seed");
		StarterProperties properties = starterProperties();
		for (String provider : List.of("soak", "soak2")) {
			properties.provider(provider, "sk-soak")
				.set("llm.providers." + provider + ".read-timeout", "1s")
				.set("llm.providers." + provider + ".first-chunk-timeout", "1s")
				.set("llm.providers." + provider + ".stream-idle-timeout", "1s")
				.set("llm.providers." + provider + ".max-response-size", "16KB");
		}
		properties.set("llm.defaults.retry.max-attempts", 3)
			.set("llm.defaults.retry.initial-backoff", "50ms")
			.set("llm.defaults.retry.max-backoff", "500ms")
			.set("llm.defaults.retry.jitter", 0.5)
			.set("llm.defaults.retry.max-retry-after", "2s")
			// Open now and then under this mix, and for a second: the calls keep meeting
			// the server's faults rather than an open circuit.
			.set("llm.defaults.circuit-breaker.failure-rate-threshold", 80)
			.set("llm.defaults.circuit-breaker.sliding-window-size", 50)
			.set("llm.defaults.circuit-breaker.minimum-number-of-calls", 20)
			.set("llm.defaults.circuit-breaker.wait-duration-in-open-state", "1s")
			.policy("soak-warmup", "soak", BenchServer.HAPPY)
			.policy("soak-retry", "soak", PRIMARY)
			.policy("soak-fallback", "soak", PRIMARY)
			.fallback("soak-fallback", "soak2", FALLBACK)
			.policy("soak-hedge", "soak", PRIMARY)
			.fallback("soak-hedge", "soak2", FALLBACK)
			.set("llm.policies.soak-hedge.hedge.enabled", true)
			.set("llm.policies.soak-hedge.hedge.delay", "200ms");
		for (String policy : POLICIES) {
			properties.set("llm.policies." + policy + ".deadline", DEADLINE.toMillis() + "ms");
		}
		ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
		Outcomes outcomes = new Outcomes();
		outcomes.bare = webClient;
		List<Checkpoint> checkpoints = new ArrayList<>();
		long leaksAtStart;
		long insideNettyAtStart;
		long referenceCountErrors;
		long leakLines;
		Map<String, Long> upstream;
		long start = System.nanoTime();
		Hooks.onErrorDropped((error) -> outcomes.dropped(error));
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map());
				LogCounter referenceCountLines = LogCounter
					.count((event) -> LogCounter.mentions(event, IllegalReferenceCountException.class.getSimpleName()));
				LogCounter leakLog = LogCounter.count((event) -> event.getFormattedMessage() != null
						&& event.getFormattedMessage().startsWith("LEAK:"));
				SoakBareClient bare = webClient
						? new SoakBareClient(context.getBean(WebClient.Builder.class), this.server.rootUrl()) : null) {
			LlmClient llm = context.getBean(LlmClient.class);
			List<?> pools = (bare != null) ? bare.pools() : PoolState.pools(context.getBean(ProviderClients.class));
			// The first calls load classes and wait for the JIT compiler: not what a
			// deadline is about.
			warmUp(llm, "soak-warmup", integer("warmup-calls"), concurrency);
			this.server.reset();
			// The duration and the wall time count from the first soak call.
			start = System.nanoTime();
			LeakCounter.collectAndPoll();
			leaksAtStart = LeakCounter.reports();
			insideNettyAtStart = LeakCounter.insideNetty();
			int third = calls / 3;
			for (int part = 0; part < 3; part++) {
				int first = part * third;
				int count = (part < 2) ? third : calls - 2 * third;
				long stopAt = start + durationNanos * (part + 1) / 3;
				if (part == 1 && sabotage.equals("leaked-buffer")) {
					LeakCounter.leakOneBuffer();
				}
				Flux<Integer> ids = Flux.range(first, count)
					.takeWhile((i) -> durationNanos <= 0 || System.nanoTime() - stopAt < 0);
				Flux<Mono<String>> work = ids.map((i) -> call(llm, bare, i, seed, outcomes));
				if (part == 2 && sabotage.equals("unfinished-call")) {
					work = work.concatWithValues(watched(Mono.never(), outcomes, false));
				}
				work.flatMap((call) -> call, concurrency).then().block();
				LeakCounter.collectAndPoll();
				checkpoints.add(checkpoint(part + 1, outcomes.ended(), pools));
			}
			upstream = this.server.counts();
			referenceCountErrors = referenceCountLines.counted();
			leakLines = leakLog.counted();
		}
		finally {
			Hooks.resetOnErrorDropped();
			ResourceLeakDetector.setLevel(level);
		}
		long wall = System.nanoTime() - start;
		return new Result(calls, concurrency, sabotage, webClient, outcomes, checkpoints,
				LeakCounter.reports() - leaksAtStart, LeakCounter.insideNetty() - insideNettyAtStart, leakLines,
				LeakCounter.countsBufferLeaks(), referenceCountErrors + outcomes.referenceCountErrors.sum(), upstream,
				wall);
	}

	private Mono<String> call(LlmClient llm, @Nullable SoakBareClient bare, int i, long seed, Outcomes outcomes) {
		String policy = POLICIES.get(i % POLICIES.size());
		boolean streamed = BenchServer.draw(seed, i, "stream", 0) < 0.5;
		return Mono.defer(() -> {
			long callStart = System.nanoTime();
			AtomicLong firstChunk = new AtomicLong();
			Mono<?> call = (bare != null) ? bare.call(policy, "soak-" + i, streamed)
					: streamed ? llm.stream(policy, request("soak-" + i))
						.doOnNext((chunk) -> firstChunk.compareAndSet(0, System.nanoTime()))
						.then() : llm.chat(policy, request("soak-" + i));
			return watched(call.doOnEach((signal) -> {
				if (signal.isOnComplete() || signal.isOnError()) {
					long end = (firstChunk.get() != 0) ? firstChunk.get() : System.nanoTime();
					Throwable failure = signal.getThrowable();
					outcomes.timed(end - callStart, () -> "soak-" + i + " " + policy + (streamed ? " streamed" : "")
							+ ((failure != null) ? " failed: " + failure : " ok"));
				}
			}), outcomes, streamed);
		});
	}

	/**
	 * A call whose outcome is counted, cancelled and counted as never ended if it runs
	 * for {@link #NEVER}.
	 */
	private static Mono<String> watched(Mono<?> call, Outcomes outcomes, boolean streamed) {
		return call.timeout(NEVER)
			.then(Mono.just("ok"))
			.onErrorResume((failure) -> Mono.just(outcomes.describe(failure)))
			.doOnNext((outcome) -> outcomes.ended(outcome, streamed));
	}

	private Checkpoint checkpoint(int number, long ended, List<?> clients) throws InterruptedException {
		// A connection whose exchange was cancelled goes back to its pool, or is closed,
		// on its event loop just after the call ended: it has a moment to get there.
		PoolState pools = Flux.interval(Duration.ZERO, Duration.ofMillis(50))
			.map((tick) -> PoolState.of(clients))
			.takeUntil((state) -> state.acquired() + state.pending() == 0)
			.take(POOL_GRACE)
			.blockLast();
		if (pools == null) {
			pools = PoolState.of(clients);
		}
		System.gc();
		System.gc();
		long heap = this.memory.getHeapMemoryUsage().getUsed();
		return new Checkpoint(number, ended, heap, this.threads.getThreadCount(), pools);
	}

	/**
	 * What a checkpoint saw, every call of its third ended.
	 *
	 * @param number 1, 2 or 3
	 * @param ended the calls ended so far
	 * @param heapAfterGc the heap in use after a full collection
	 * @param liveThreads the live threads
	 * @param pools the connection pools
	 */
	record Checkpoint(int number, long ended, long heapAfterGc, int liveThreads, PoolState pools) {

	}

	/**
	 * The connections of the starter's pools, summed over every pool and remote host.
	 *
	 * @param acquired held by an exchange
	 * @param idle kept alive for the next one
	 * @param pending acquisitions waiting for one
	 */
	record PoolState(long acquired, long idle, long pending) {

		/**
		 * Return the connection pools of the starter's clients.
		 */
		static List<?> pools(ProviderClients clients) {
			try {
				return (List<?>) field(clients, "pools");
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Cannot read the connection pools of " + clients, ex);
			}
		}

		/**
		 * Read connection pools (Reactor Netty's {@code PooledConnectionProvider}, whose
		 * per-host pools say how many connections they lend).
		 */
		static PoolState of(List<?> clients) {
			long acquired = 0;
			long idle = 0;
			long pending = 0;
			try {
				for (Object provider : clients) {
					for (Object pool : ((Map<?, ?>) field(provider, "channelPools")).values()) {
						Object metrics = invoke(pool, "metrics");
						acquired += ((Number) invoke(metrics, "acquiredSize")).longValue();
						idle += ((Number) invoke(metrics, "idleSize")).longValue();
						pending += ((Number) invoke(metrics, "pendingAcquireSize")).longValue();
					}
				}
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Cannot read the connection pools of " + clients, ex);
			}
			return new PoolState(acquired, idle, pending);
		}

		private static Object field(Object owner, String name) throws ReflectiveOperationException {
			for (Class<?> type = owner.getClass(); type != null; type = type.getSuperclass()) {
				try {
					Field field = type.getDeclaredField(name);
					field.setAccessible(true);
					return field.get(owner);
				}
				catch (NoSuchFieldException ex) {
					// Look in the superclass.
				}
			}
			throw new NoSuchFieldException(name + " in " + owner.getClass().getName());
		}

		private static Object invoke(Object target, String name) throws ReflectiveOperationException {
			Method method = target.getClass().getMethod(name);
			method.setAccessible(true);
			return method.invoke(target);
		}

	}

	/**
	 * How the calls ended.
	 */
	static final class Outcomes {

		final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

		final LongAdder streamed = new LongAdder();

		final LongAdder pastDeadline = new LongAdder();

		final LongAdder pastDeadlineBySecond = new LongAdder();

		final AtomicLong latestNanos = new AtomicLong();

		final LongAdder referenceCountErrors = new LongAdder();

		final LongAdder droppedErrors = new LongAdder();

		final LongAdder ended = new LongAdder();

		/**
		 * Whether the calls go through a bare {@code WebClient}, whose failures are no
		 * {@link LlmException}.
		 */
		volatile boolean bare;

		void ended(String outcome, boolean stream) {
			this.counts.computeIfAbsent(outcome, (key) -> new LongAdder()).increment();
			if (stream) {
				this.streamed.increment();
			}
			this.ended.increment();
		}

		long ended() {
			return this.ended.sum();
		}

		volatile String latest = "";

		synchronized void timed(long nanos, java.util.function.Supplier<String> call) {
			if (nanos > this.latestNanos.get()) {
				this.latestNanos.set(nanos);
				this.latest = call.get();
			}
			if (nanos > DEADLINE.plus(LATE).toNanos()) {
				this.pastDeadline.increment();
			}
			if (nanos > DEADLINE.plus(Duration.ofSeconds(1)).toNanos()) {
				this.pastDeadlineBySecond.increment();
			}
		}

		final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();

		void dropped(Throwable error) {
			this.droppedErrors.increment();
			String message = String.valueOf(error.getMessage());
			this.dropped
				.computeIfAbsent(
						error.getClass().getName() + ": " + message.substring(0, Math.min(message.length(), 100)),
						(key) -> new LongAdder())
				.increment();
			if (causedBy(error, IllegalReferenceCountException.class)) {
				this.referenceCountErrors.increment();
			}
		}

		/**
		 * The outcome of a failed call: {@code never}, the kind of an
		 * {@link LlmException} ({@code deadline} for the call's deadline,
		 * {@code interrupted:} and the kind for a stream broken after its first chunk),
		 * or {@code untyped:} and the class of anything else.
		 */
		String describe(Throwable failure) {
			if (causedBy(failure, IllegalReferenceCountException.class)) {
				this.referenceCountErrors.increment();
			}
			if (failure instanceof TimeoutException) {
				return "never";
			}
			if (failure instanceof LlmDeadlineExceededException) {
				return "deadline";
			}
			if (failure instanceof LlmStreamInterruptedException interrupted) {
				return "interrupted: " + interrupted.kind().value();
			}
			if (failure instanceof LlmException llm) {
				return llm.kind().value();
			}
			if (this.bare) {
				return "webclient: " + failure.getClass().getSimpleName();
			}
			return "untyped: " + failure.getClass().getName();
		}

		long count(String outcome) {
			LongAdder count = this.counts.get(outcome);
			return (count != null) ? count.sum() : 0;
		}

		long untyped() {
			return this.counts.entrySet()
				.stream()
				.filter((entry) -> entry.getKey().startsWith("untyped"))
				.mapToLong((entry) -> entry.getValue().sum())
				.sum();
		}

		private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
			int depth = 0;
			for (Throwable cause = failure; cause != null && depth < 16; cause = cause.getCause(), depth++) {
				if (type.isInstance(cause)) {
					return true;
				}
				for (Throwable suppressed : cause.getSuppressed()) {
					if (type.isInstance(suppressed)) {
						return true;
					}
				}
			}
			return false;
		}

	}

	record Result(int calls, int concurrency, String sabotage, boolean webClient, Outcomes outcomes,
			List<Checkpoint> checkpoints, long leakReports, long leakReportsInsideNetty, long leakLines,
			boolean leakDetectorCounts, long referenceCountErrors, Map<String, Long> upstream, long wall) {

		long heapGrowth() {
			return this.checkpoints.get(2).heapAfterGc() - this.checkpoints.get(1).heapAfterGc();
		}

		int threadGrowth() {
			return this.checkpoints.get(2).liveThreads() - this.checkpoints.get(1).liveThreads();
		}

		/**
		 * Whether every pooled connection came back: none acquired or waited for at any
		 * checkpoint.
		 */
		boolean connectionsIdle() {
			return this.checkpoints.stream()
				.allMatch((point) -> point.pools().acquired() == 0 && point.pools().pending() == 0);
		}

		/**
		 * Every check of the soak, and whether it passed, in the order the report shows
		 * them.
		 */
		Map<String, Boolean> checks() {
			Map<String, Boolean> checks = new java.util.LinkedHashMap<>();
			checks.put("leak detector counting (installed before Netty's buffers)", this.leakDetectorCounts);
			long ours = this.leakReports - this.leakReportsInsideNetty;
			checks.put(
					"LEAK: reports of buffers that reached Reactor Netty, Spring or llm-resilience " + ours
							+ " (all reports " + this.leakReports + ", log lines " + this.leakLines + "), expected 0",
					ours == 0 && this.leakLines <= this.leakReports);
			checks.put("IllegalReferenceCountException " + this.referenceCountErrors + ", expected 0",
					this.referenceCountErrors == 0);
			checks.put(
					String.format(Locale.ROOT, "heap after full GC, checkpoint 2 → 3: %+.1f MiB, expected ≤ +%d",
							this.heapGrowth() / 1048576.0, HEAP_GROWTH_MIB),
					this.heapGrowth() <= HEAP_GROWTH_MIB << 20);
			checks.put("pooled connections back to idle (none acquired or pending at each checkpoint)",
					connectionsIdle());
			checks.put(String.format(Locale.ROOT, "live threads, checkpoint 2 → 3: %+d, expected ≤ +%d", threadGrowth(),
					THREAD_SLACK), threadGrowth() <= THREAD_SLACK);
			checks.put("calls that never ended " + this.outcomes.count("never") + ", expected 0",
					this.outcomes.count("never") == 0);
			checks.put("calls ended without an LlmException " + this.outcomes.untyped() + ", expected 0",
					this.outcomes.untyped() == 0);
			checks.put(
					String.format(Locale.ROOT, "calls past their deadline (%ds + %ds) %d, expected 0",
							DEADLINE.toSeconds(), LATE.toSeconds(), this.outcomes.pastDeadline.sum()),
					this.outcomes.pastDeadline.sum() == 0);
			return checks;
		}

		boolean met() {
			return checks().values().stream().allMatch(Boolean::booleanValue);
		}

		String report() {
			StringBuilder text = new StringBuilder();
			long ended = this.outcomes.ended();
			text.append(String.format(Locale.ROOT,
					"(soak) %,d logical calls ended (of %,d), %d in flight, %,d streamed, in %s; Netty leak detection "
							+ "paranoid%s%s%n",
					ended, this.calls, this.concurrency, this.outcomes.streamed.sum(), Table.seconds(this.wall),
					this.webClient ? "; through a bare WebClient, not the starter" : "",
					this.sabotage.equals("none") ? "" : "; SABOTAGE: " + this.sabotage));
			text.append(String.format(Locale.ROOT,
					"    every attempt draws a fault from (call, model, attempt): %s; policies %s (deadline %ds, "
							+ "3 attempts per target, timeouts 1s, max-response-size 16KB, hedge after 200ms)%n",
					faults(), POLICIES, DEADLINE.toSeconds()));
			text.append("    outcomes:");
			new TreeMap<>(this.outcomes.counts).forEach((outcome, count) -> text.append(' ')
				.append(outcome)
				.append('=')
				.append(String.format(Locale.ROOT, "%,d", count.sum()))
				.append(';'));
			text.append(String.format(Locale.ROOT,
					" longest call (to a stream's first chunk) %s (%s); calls past their deadline by more than 1s: %d%n",
					Table.millis(this.outcomes.latestNanos.get() / 1e6), this.outcomes.latest,
					this.outcomes.pastDeadlineBySecond.sum()));
			text.append(String.format(Locale.ROOT, "    requests the server answered: %s %,d, %s %,d%n", PRIMARY,
					this.upstream.getOrDefault(PRIMARY, 0L), FALLBACK, this.upstream.getOrDefault(FALLBACK, 0L)));
			Table table = new Table("checkpoint", "calls ended", "heap after full GC", "live threads",
					"connections acquired / idle / pending");
			for (Checkpoint point : this.checkpoints) {
				table.row(Integer.toString(point.number()), String.format(Locale.ROOT, "%,d", point.ended()),
						Table.mib(point.heapAfterGc()), point.liveThreads(),
						point.pools().acquired() + " / " + point.pools().idle() + " / " + point.pools().pending());
			}
			text.append(table);
			text.append("    errors dropped by Reactor: ").append(this.outcomes.droppedErrors.sum()).append('\n');
			text.append(CallRunner.mostFrequent(this.outcomes.dropped, "      "));
			if (this.leakReportsInsideNetty > 0) {
				text.append("    FINDING: ")
					.append(this.leakReportsInsideNetty)
					.append(" LEAK: report(s) of a socket read buffer that only Netty's HTTP codec touched (see "
							+ "docs/project/reliability.md, Known findings)\n");
			}
			checks().forEach((check,
					passed) -> text.append("    ").append(passed ? "ok    " : "FAILED ").append(check).append('\n'));
			return text.toString();
		}

		private static String faults() {
			StringBuilder text = new StringBuilder();
			double faults = 0;
			for (SoakFaults.Fault fault : SoakFaults.Fault.values()) {
				faults += fault.share;
				text.append(fault.name().toLowerCase(Locale.ROOT).replace('_', '-'))
					.append(' ')
					.append(Math.round(fault.share * 100))
					.append(" %, ");
			}
			return text.append("200 ").append(Math.round((1 - faults) * 100)).append(" %").toString();
		}

	}

}
