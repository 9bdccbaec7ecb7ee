package io.github.llmresilience.benchmarks.jmh;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ExchangeFunctions;
import org.springframework.web.reactive.function.client.ExchangeStrategies;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.benchmarks.ObservedMeters;
import io.github.llmresilience.benchmarks.load.Wire;

/**
 * A whole call through the starter, as the auto-configuration builds it, against a bare
 * {@link WebClient} call, both on the same stubbed transport ({@link StubConnector}):
 * what the starter adds to a call, JSON and {@code WebClient} included, network excluded.
 * Meters go to a {@link SimpleMeterRegistry} through an {@link ObservationRegistry}, as
 * with Actuator.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 6, time = 2)
public class ClientBenchmark extends JmhSettings {

	private static final String URL = "http://127.0.0.1:9/v1/chat/completions";

	private final ChatRequest request = ChatRequest.builder().user(Wire.content("jmh")).build();

	private final Wire.Request wireRequest = Wire.request("gpt-4o-mini", "jmh");

	private ConfigurableApplicationContext context;

	private WebClient bare;

	private LlmClient llm;

	private Assistant assistant;

	/**
	 * Whether the application has a meter registry, to which {@code llm.calls} and
	 * {@code llm.attempts} are observed (as with Actuator); without one the starter
	 * observes nothing.
	 */
	@Param({ "true", "false" })
	public boolean meters;

	@Setup
	public void setUp() {
		Class<?>[] sources = this.meters ? new Class<?>[] { Application.class, ObservedMeters.class }
				: new Class<?>[] { Application.class };
		this.context = new SpringApplicationBuilder(sources).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties("logging.level.root=WARN", "logging.level." + Loggers.CALLS + "=ERROR",
					"llm.providers.openai.base-url=http://127.0.0.1:9/v1", "llm.providers.openai.api-key=sk-bench",
					"llm.policies.default.provider=openai", "llm.policies.default.model=gpt-4o-mini")
			.run();
		this.bare = this.context.getBean(WebClient.Builder.class)
			.clone()
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer sk-bench")
			.build();
		this.llm = this.context.getBean(LlmClient.class);
		this.assistant = this.context.getBean(Assistant.class);
	}

	@TearDown
	public void tearDown() {
		this.context.close();
	}

	/**
	 * The baseline: a {@code WebClient} call as users write it, encoding a request record
	 * and decoding the completion into records.
	 */
	@Benchmark
	public @Nullable String bareWebClient() {
		return this.bare.post()
			.uri(URL)
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.APPLICATION_JSON)
			.bodyValue(this.wireRequest)
			.retrieve()
			.bodyToMono(Wire.Completion.class)
			.map(Wire.Completion::content)
			.block();
	}

	/**
	 * {@code LlmClient.chat} under the default policy: the engine, one attempt with its
	 * {@code llm.attempts} observation, the classification of the answer, token usage
	 * meters.
	 */
	@Benchmark
	public @Nullable String llmClient() {
		return this.llm.chat(this.request).map(ChatResponse::content).block();
	}

	/**
	 * An {@code @LlmCall} method around an {@code LlmClient} call: the interceptor on
	 * top.
	 */
	@Benchmark
	public @Nullable String llmCallMethod() {
		return this.assistant.ask("jmh").block();
	}

	/**
	 * A service as users write one.
	 */
	public static class Assistant {

		private final LlmClient llm;

		public Assistant(LlmClient llm) {
			this.llm = llm;
		}

		/**
		 * Ask the model.
		 * @param id names the call
		 * @return the answer
		 */
		@LlmCall
		public Mono<String> ask(String id) {
			return this.llm.chat(ChatRequest.builder().user(Wire.content(id)).build()).map(ChatResponse::content);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LlmMetricsAutoConfiguration.class, LlmResilienceAutoConfiguration.class })
	static class Application {

		/**
		 * The application's {@code WebClient.Builder}; the starter clones it per
		 * provider. Its exchange function takes precedence over the connector the starter
		 * sets, so both clients use the stub.
		 */
		@Bean
		WebClient.Builder webClientBuilder() {
			return WebClient.builder()
				.exchangeFunction(ExchangeFunctions.create(new StubConnector(), ExchangeStrategies.withDefaults()));
		}

		@Bean
		Assistant assistant(LlmClient llm) {
			return new Assistant(llm);
		}

	}

}
