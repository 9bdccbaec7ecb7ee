package io.github.llmresilience.benchmarks.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;

/**
 * (a) The happy path: the same calls through the starter's {@link LlmClient} and through
 * a bare {@link WebClient} built from the same {@code WebClient.Builder}, to the same
 * server, in rounds whose order rotates. The bare client that the target compares with
 * uses Spring Boot's Reactor connector, as the starter does (Boot's defaults:
 * {@code compress(true)}, redirects followed), with a pool of the same size; a second
 * bare client on a plain Reactor Netty {@code HttpClient} shows what those defaults cost.
 */
final class HappyPath extends Scenario {

	private final String title;

	private final String model;

	private final String prefix;

	/**
	 * Create the scenario.
	 * @param server the server
	 * @param title the scenario's title
	 * @param model the server's model: {@value BenchServer#HAPPY} answers at once,
	 * {@value BenchServer#HAPPY_SLOW} after a delay
	 * @param options the options
	 * @param prefix the prefix of the scenario's options ({@code happy}, {@code latency})
	 */
	HappyPath(ServerProcess server, String title, String model, Options options, String prefix) {
		super(server, options, prefix);
		this.title = title;
		this.model = model;
		this.prefix = prefix;
	}

	Result run() throws InterruptedException {
		int calls = integer("calls");
		int concurrency = integer("concurrency");
		int rounds = integer("rounds");
		int warmup = integer("warmup-rounds");
		int maxWarmup = integer("max-warmup-rounds");
		int connections = this.options.integer("happy-connections");
		String model = this.model;
		String baseUrl = this.server.rootUrl() + "/bench/v1";
		this.server.reset();
		List<ConnectionProvider> pools = new ArrayList<>();
		StarterProperties properties = starterProperties().provider("bench", "sk-bench")
			.set("llm.providers.bench.max-connections", connections)
			.policy("default", "bench", model);
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			// The connector the starter builds for a provider, less its own hooks.
			ClientHttpConnector bootConnector = ClientHttpConnectorBuilder.reactor()
				.withHttpClientFactory(() -> HttpClient.create(pool(pools, "bare-boot", connections)))
				.build(HttpClientSettings.defaults().withTimeouts(Duration.ofSeconds(5), null));
			ClientHttpConnector plainConnector = new ReactorClientHttpConnector(
					HttpClient.create(pool(pools, "bare-plain", connections)));
			String uri = baseUrl + "/chat/completions";
			Function<String, Mono<?>> bareCall = bareCall(context.getBean(WebClient.Builder.class), bootConnector, uri,
					model);
			Side bare = new Side("bare WebClient", calls * rounds, (i) -> bareCall.apply("h-" + i));
			Side starter = new Side("starter (LlmClient)", calls * rounds,
					(i) -> llm.chat(ChatRequest.builder().user(Wire.content("h-" + i)).build())
						.map(ChatResponse::content));
			Function<String, Mono<?>> plainCall = bareCall(context.getBean(WebClient.Builder.class), plainConnector,
					uri, model);
			Side plain = new Side("bare, plain HttpClient", calls * rounds, (i) -> plainCall.apply("h-" + i));
			List<Side> sides = List.of(bare, starter, plain);
			int warmupRounds = warmUp(sides, calls, concurrency, warmup, maxWarmup);
			this.server.reset();
			List<Double> roundRatios = new ArrayList<>();
			for (int r = 0; r < rounds; r++) {
				// The order rotates, so that no client always runs first or after the
				// same one.
				long[] walls = new long[sides.size()];
				for (int k = 0; k < sides.size(); k++) {
					int index = (k + r) % sides.size();
					walls[index] = sides.get(index).round(calls, concurrency, this.server);
				}
				roundRatios.add((double) walls[0] / walls[1]);
			}
			long upstream = this.server.count(model);
			return new Result(this.title, calls, concurrency, rounds, connections, bare, starter, plain, roundRatios,
					upstream, warmupRounds);
		}
		finally {
			pools.forEach((pool) -> pool.disposeLater().block(Duration.ofSeconds(10)));
		}
	}

	/**
	 * Warm every client up until the JIT compiler is done with it: until the CPU time per
	 * call of each client (the compiler's threads included) changes by less than 10 %
	 * from one round to the next, after at least {@code min} rounds and at most
	 * {@code max}. The starter runs more code than a bare call, and takes some 100,000
	 * calls to reach its steady state on two cores.
	 * @return the rounds run
	 */
	private int warmUp(List<Side> sides, int calls, int concurrency, int min, int max) {
		double[] previous = new double[sides.size()];
		for (int r = 1; r <= max; r++) {
			boolean steady = true;
			for (int i = 0; i < sides.size(); i++) {
				long cpu = Cpu.thisProcess();
				sides.get(i).warmUp(calls, concurrency);
				double perCall = (double) (Cpu.thisProcess() - cpu) / calls;
				steady &= previous[i] > 0 && Math.abs(perCall - previous[i]) / previous[i] < 0.10;
				previous[i] = perCall;
			}
			if (steady && r >= min) {
				return r;
			}
		}
		return -max;
	}

	static ConnectionProvider pool(List<ConnectionProvider> pools, String name, int connections) {
		ConnectionProvider pool = ConnectionProvider.builder(name)
			.maxConnections(connections)
			.pendingAcquireMaxCount(-1)
			.maxIdleTime(Duration.ofSeconds(20))
			.build();
		pools.add(pool);
		return pool;
	}

	/**
	 * A bare {@code WebClient} call as its users write it: the request and the completion
	 * as records.
	 * @return a function from a call's id to its call
	 */
	static Function<String, Mono<?>> bareCall(WebClient.Builder builder, ClientHttpConnector connector, String uri,
			String model) {
		WebClient client = builder.clone()
			.clientConnector(connector)
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer sk-bench")
			.build();
		return (id) -> client.post()
			.uri(uri)
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.APPLICATION_JSON)
			.bodyValue(Wire.request(model, id))
			.retrieve()
			.bodyToMono(Wire.Completion.class)
			.map(Wire.Completion::content);
	}

	/**
	 * One client's rounds.
	 */
	static final class Side extends RoundTotals {

		final String name;

		final IntFunction<Mono<?>> call;

		final Latencies latencies;

		final CallRunner runner = new CallRunner();

		Side(String name, int capacity, IntFunction<Mono<?>> call) {
			this.name = name;
			this.call = call;
			this.latencies = new Latencies(capacity);
		}

		void warmUp(int n, int concurrency) {
			new CallRunner().run(n, concurrency, this.call, new Latencies(n));
		}

		long round(int n, int concurrency, ServerProcess server) {
			return measure(n, server, () -> this.runner.run(n, concurrency, this.call, this.latencies));
		}

	}

	record Result(String title, int calls, int concurrency, int rounds, int connections, Side bare, Side starter,
			Side plain, List<Double> roundRatios, long upstreamRequests, int warmupRounds) {

		double throughputRatio() {
			return this.starter.throughput() / this.bare.throughput();
		}

		double p99Ratio() {
			return this.starter.latencies.percentileMillis(99) / this.bare.latencies.percentileMillis(99);
		}

		boolean met() {
			return throughputRatio() >= 0.95 && this.bare.runner.failed.get() == 0
					&& this.starter.runner.failed.get() == 0;
		}

		String report() {
			StringBuilder text = new StringBuilder();
			text.append(String.format(
					"%s: %,d calls per round, %d in flight, %d measured rounds per client "
							+ "(order rotating), max-connections %d for every client; warm-up: %s%n",
					this.title, this.calls, this.concurrency, this.rounds, this.connections,
					(this.warmupRounds > 0) ? this.warmupRounds + " rounds per client until CPU per call was steady"
							: -this.warmupRounds + " rounds per client (CPU per call not steady within 10 % yet)"));
			Table table = new Table("", this.bare.name, this.starter.name, "starter / bare", this.plain.name);
			table.row("calls ok / failed", this.bare.runner.succeeded + " / " + this.bare.runner.failed,
					this.starter.runner.succeeded + " / " + this.starter.runner.failed, "",
					this.plain.runner.succeeded + " / " + this.plain.runner.failed);
			table.row("throughput (calls/s)", Table.number(this.bare.throughput(), 0),
					Table.number(this.starter.throughput(), 0), Table.ratio(throughputRatio()),
					Table.number(this.plain.throughput(), 0));
			for (double p : new double[] { 50, 90, 99 }) {
				double b = this.bare.latencies.percentileMillis(p);
				double s = this.starter.latencies.percentileMillis(p);
				table.row("p" + (int) p + " latency", Table.millis(b), Table.millis(s), Table.ratio(s / b),
						Table.millis(this.plain.latencies.percentileMillis(p)));
			}
			table.row("client CPU per call (harness JVM)", micros(this.bare.clientCpuMicros()),
					micros(this.starter.clientCpuMicros()),
					Table.ratio(this.starter.clientCpuMicros() / this.bare.clientCpuMicros()),
					micros(this.plain.clientCpuMicros()));
			table.row("server CPU per call (server JVM)", micros(this.bare.serverCpuMicros()),
					micros(this.starter.serverCpuMicros()),
					Table.ratio(this.starter.serverCpuMicros() / this.bare.serverCpuMicros()),
					micros(this.plain.serverCpuMicros()));
			double min = this.roundRatios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
			double max = this.roundRatios.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
			table.row("throughput ratio, per round", "", "", Table.ratio(min) + " .. " + Table.ratio(max), "");
			table.row("upstream requests (server)", "", "", this.upstreamRequests + " for "
					+ (this.bare.calls + this.starter.calls + this.plain.calls) + " calls", "");
			text.append(table);
			text.append(this.bare.runner.errorSummary())
				.append(this.starter.runner.errorSummary())
				.append(this.plain.runner.errorSummary());
			return text.toString();
		}

		private static String micros(double value) {
			return Table.number(value, 1) + " µs";
		}

	}

}
