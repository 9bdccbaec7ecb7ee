package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import reactor.core.publisher.Mono;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;

/**
 * What the load scenarios share: the server and the options; the properties of a starter
 * application whose providers are on that server; the call loop, which times each call
 * into a side and counts its outcome; and the sides a scenario compares (the starter
 * against a baseline, or a feature off against on), with the rows every comparison of two
 * sides shows.
 */
abstract class Scenario {

	final ServerProcess server;

	final Options options;

	private final String key;

	/**
	 * Create a scenario.
	 * @param server the server
	 * @param options the options
	 * @param key the prefix of the scenario's options ({@code brownout} for
	 * {@code --brownout-calls})
	 */
	Scenario(ServerProcess server, Options options, String key) {
		this.server = server;
		this.options = options;
		this.key = key;
	}

	/**
	 * One of this scenario's integer options.
	 * @param name the option less the scenario's prefix ({@code calls} for
	 * {@code --brownout-calls})
	 * @return its value
	 */
	int integer(String name) {
		return this.options.integer(this.key + "-" + name);
	}

	/**
	 * The sum of the counters of a meter, among those with the given tags.
	 * @param meters the application's meters
	 * @param name the meter
	 * @param tags tag keys and values, in pairs
	 * @return the sum
	 */
	static long counted(MeterRegistry meters, String name, String... tags) {
		return (long) meters.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
	}

	/**
	 * The sum of the counts of a timer, among those with the given tags.
	 * @param meters the application's meters
	 * @param name the timer
	 * @param tags tag keys and values, in pairs
	 * @return the sum
	 */
	static long timed(MeterRegistry meters, String name, String... tags) {
		return meters.find(name).tags(tags).timers().stream().mapToLong(Timer::count).sum();
	}

	/**
	 * Start the properties of a starter application.
	 * @return properties to which providers, policies and settings are added
	 */
	StarterProperties starterProperties() {
		return new StarterProperties(this.server.rootUrl());
	}

	/**
	 * A call's request: one user message that names the call, from which the server draws
	 * its answer.
	 * @param id the call's id, unique in a run
	 * @return the request
	 */
	static ChatRequest request(String id) {
		return ChatRequest.builder().user(Wire.content(id)).build();
	}

	/**
	 * Make unmeasured calls first, so that the JIT compiler's work does not count in the
	 * measured ones.
	 * @param llm the starter's client
	 * @param policy the policy of the calls
	 * @param calls how many
	 * @param concurrency the most in flight
	 */
	static void warmUp(LlmClient llm, String policy, int calls, int concurrency) {
		new CallRunner().run(calls, concurrency, (i) -> llm.chat(policy, request("w-" + i)), new Latencies(calls));
	}

	/**
	 * Run measured calls on a side, at most {@code concurrency} in flight, and wait for
	 * them: each call's latency goes to the side, its outcome and the wall time are added
	 * to the side's.
	 * @param side the side
	 * @param calls how many
	 * @param concurrency the most in flight
	 * @param call makes call {@code i}
	 * @return the runner, with its errors
	 */
	static CallRunner measure(Side side, int calls, int concurrency, IntFunction<Mono<?>> call) {
		return measure(side, new CallRunner(), calls, concurrency, call);
	}

	/**
	 * Run measured calls on a side with a given runner (whose counts something watches
	 * while they run).
	 * @param side the side
	 * @param runner the runner
	 * @param calls how many
	 * @param concurrency the most in flight
	 * @param call makes call {@code i}
	 * @return the runner
	 */
	static CallRunner measure(Side side, CallRunner runner, int calls, int concurrency, IntFunction<Mono<?>> call) {
		side.ran(runner, runner.run(calls, concurrency, call, side.latencies));
		return runner;
	}

	/**
	 * Make one side's measured calls on a starter application of its own, as the
	 * scenarios that compare a setting off and on do: the server's counts reset, the
	 * application started with the properties, {@code --<key>-calls} calls of the policy
	 * with {@code --<key>-concurrency} in flight (call {@code i} named {@code on-i} or
	 * {@code off-i}), then {@code after} reads the application before it closes.
	 * @param side the side
	 * @param on whether the setting under test is on
	 * @param properties the application's properties
	 * @param policy the policy of the calls
	 * @param each what is added to each call (counting what it answered)
	 * @param after reads the application once the calls ended (its meters)
	 * @throws InterruptedException if interrupted while the server resets its counts
	 */
	void measureOnStarter(Side side, boolean on, StarterProperties properties, String policy,
			UnaryOperator<Mono<ChatResponse>> each, Consumer<ConfigurableApplicationContext> after)
			throws InterruptedException {
		measureOnStarter(side, on ? "on-" : "off-", integer("calls"), integer("concurrency"), properties, policy, each,
				after);
	}

	/**
	 * Make one side's measured calls on a starter application of its own: the server's
	 * counts reset, the application started with the properties, the calls of the policy
	 * (call {@code i} named {@code prefix + i}), then {@code after} reads the application
	 * before it closes.
	 * @param side the side
	 * @param prefix the prefix of the calls' names
	 * @param calls how many
	 * @param concurrency the most in flight
	 * @param properties the application's properties
	 * @param policy the policy of the calls
	 * @param each what is added to each call (counting what it answered)
	 * @param after reads the application once the calls ended (its meters)
	 * @throws InterruptedException if interrupted while the server resets its counts
	 */
	void measureOnStarter(Side side, String prefix, int calls, int concurrency, StarterProperties properties,
			String policy, UnaryOperator<Mono<ChatResponse>> each, Consumer<ConfigurableApplicationContext> after)
			throws InterruptedException {
		this.server.reset();
		try (ConfigurableApplicationContext context = StarterApp.start(properties.map())) {
			LlmClient llm = context.getBean(LlmClient.class);
			measure(side, calls, concurrency, (i) -> each.apply(llm.chat(policy, request(prefix + i))));
			after.accept(context);
		}
	}

	/**
	 * Run measured calls on a side, started at a fixed rate whatever the calls in flight.
	 * @param side the side
	 * @param calls how many
	 * @param perSecond the calls started per second
	 * @param call makes call {@code i}
	 * @return the runner, with its errors
	 */
	static CallRunner measureAtRate(Side side, int calls, double perSecond, IntFunction<Mono<?>> call) {
		CallRunner runner = new CallRunner();
		side.ran(runner, runner.runAtRate(calls, perSecond, call, side.latencies));
		return runner;
	}

	/**
	 * A table that shows two sides in a column each, then a column for a ratio of them.
	 * @param left the first side's column
	 * @param right the second side's column
	 * @param ratio the header of the ratio's column
	 * @return the table, with its header only
	 */
	static Table table(Side left, Side right, String ratio) {
		return new Table("", left.name, right.name, ratio);
	}

	/**
	 * Add the rows that end a comparison of two sides: the median and 99th percentile
	 * latencies, and the wall time.
	 * @param table the table
	 * @param left the first side
	 * @param right the second side
	 */
	static void latencyAndWallRows(Table table, Side left, Side right) {
		for (double percentile : new double[] { 50, 99 }) {
			table.row(String.format("p%.0f latency", percentile), Table.millis(left.percentileMillis(percentile)),
					Table.millis(right.percentileMillis(percentile)), "");
		}
		table.row("wall time", Table.seconds(left.wall), Table.seconds(right.wall), "");
	}

	/**
	 * The properties of a starter application whose providers are on the harness's
	 * server, in the order they were added.
	 */
	static final class StarterProperties {

		private final String rootUrl;

		private final Map<String, Object> values = new LinkedHashMap<>();

		private StarterProperties(String rootUrl) {
			this.rootUrl = rootUrl;
		}

		/**
		 * Add a provider at the server's {@code /name/v1}.
		 * @param name the provider's name, and its path on the server
		 * @param apiKey its API key
		 * @return these properties
		 */
		StarterProperties provider(String name, String apiKey) {
			return set("llm.providers." + name + ".base-url", this.rootUrl + "/" + name + "/v1")
				.set("llm.providers." + name + ".api-key", apiKey);
		}

		/**
		 * Add a policy's primary target.
		 * @param name the policy
		 * @param provider its provider
		 * @param model its model: the server's answer depends on it
		 * @return these properties
		 */
		StarterProperties policy(String name, String provider, String model) {
			return set("llm.policies." + name + ".provider", provider).set("llm.policies." + name + ".model", model);
		}

		/**
		 * Add a policy's first fallback.
		 * @param policy the policy
		 * @param provider the fallback's provider
		 * @param model the fallback's model
		 * @return these properties
		 */
		StarterProperties fallback(String policy, String provider, String model) {
			return set("llm.policies." + policy + ".fallbacks[0].provider", provider)
				.set("llm.policies." + policy + ".fallbacks[0].model", model);
		}

		/**
		 * Add one retry setting of a policy.
		 * @param policy the policy
		 * @param setting the setting under {@code retry}, such as {@code max-attempts}
		 * @param value its value
		 * @return these properties
		 */
		StarterProperties retry(String policy, String setting, Object value) {
			return set("llm.policies." + policy + ".retry." + setting, value);
		}

		/**
		 * Add any property.
		 * @param name the property
		 * @param value its value
		 * @return these properties
		 */
		StarterProperties set(String name, Object value) {
			this.values.put(name, value);
			return this;
		}

		Map<String, Object> map() {
			return this.values;
		}

	}

	/**
	 * One side of a scenario: a client, or a setting, whose calls are timed and counted.
	 */
	static class Side {

		final String name;

		final Latencies latencies;

		final LongAdder succeeded = new LongAdder();

		final LongAdder failed = new LongAdder();

		long wall;

		Side(String name, int calls) {
			this.name = name;
			this.latencies = new Latencies(calls);
		}

		void ran(CallRunner runner, long wall) {
			this.wall += wall;
			this.succeeded.add(runner.succeeded.get());
			this.failed.add(runner.failed.get());
		}

		double percentileMillis(double percentile) {
			return this.latencies.percentileMillis(percentile);
		}

	}

}
