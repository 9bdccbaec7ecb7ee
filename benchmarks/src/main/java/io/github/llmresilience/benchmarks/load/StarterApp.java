package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.openai.http.okhttp.OpenAiHttpClientBuilderCustomizer;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.benchmarks.ObservedMeters;
import io.github.llmresilience.observation.ObservedCall;

/**
 * An application that uses the starter as users do: Spring Boot's
 * {@code WebClient.Builder}, the starter's auto-configuration and {@code llm.*}
 * properties, and meters on a real registry, which {@code llm.calls} and
 * {@code llm.attempts} reach through an {@link ObservationRegistry}, as with Actuator.
 * The {@code peers} scenario also starts the other applications declared here.
 */
final class StarterApp {

	private StarterApp() {
	}

	/**
	 * Start an application context with the starter and meters.
	 * @param properties the {@code llm.*} (and other) properties
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(Map<String, Object> properties) {
		return start(Application.class, properties);
	}

	/**
	 * Start an application context.
	 * @param application the application's configuration: {@link Application},
	 * {@link UnobservedApplication}, {@link WebClientApplication} or
	 * {@link SpringAiApplication}
	 * @param properties the properties
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(Class<?> application, Map<String, Object> properties) {
		Map<String, Object> all = new LinkedHashMap<>();
		// One INFO line per call, and one WARN line per call that fell back or failed,
		// would flood
		// the output of a load test.
		all.put("logging.level." + ObservedCall.LOGGER, "ERROR");
		// LangChain4j logs a WARN with a stack trace for every retry (the peers' fault
		// mix). Every
		// context sets it, because each one that starts initialises the logging system
		// again.
		all.put("logging.level.dev.langchain4j", "ERROR");
		all.put("logging.level.root", "WARN");
		all.putAll(properties);
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(all)
			.run();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ WebClientAutoConfiguration.class, LlmMetricsAutoConfiguration.class,
			LlmResilienceAutoConfiguration.class })
	@Import(ObservedMeters.class)
	static class Application {

	}

	/**
	 * The starter as in {@link Application}, on the connector that Spring Boot's
	 * {@code spring.http.clients.reactive.connector} property picks (the harness sets it
	 * to {@code jdk}: the JDK's {@code HttpClient}).
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
			WebClientAutoConfiguration.class, LlmMetricsAutoConfiguration.class, LlmResilienceAutoConfiguration.class })
	@Import(ObservedMeters.class)
	static class ConnectorApplication {

	}

	/**
	 * The starter in an application without a meter registry.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ WebClientAutoConfiguration.class, LlmMetricsAutoConfiguration.class,
			LlmResilienceAutoConfiguration.class })
	static class UnobservedApplication {

	}

	/**
	 * Spring Boot's {@code WebClient.Builder} alone, for a bare {@code WebClient}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(WebClientAutoConfiguration.class)
	static class WebClientApplication {

	}

	/**
	 * Spring AI's OpenAI {@code ChatModel} as {@code spring-ai-starter-model-openai}
	 * configures it ({@code spring.ai.openai.*} properties), on the same meters as the
	 * starter's application.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ ToolCallingAutoConfiguration.class, OpenAiChatAutoConfiguration.class })
	@Import(ObservedMeters.class)
	static class SpringAiApplication {

		/**
		 * The property that changes the idle connections its OkHttp client keeps (5 when
		 * unset).
		 */
		static final String IDLE_CONNECTIONS = "bench.okhttp.max-idle-connections";

		@Bean
		OpenAiHttpClientBuilderCustomizer benchIdleConnections(Environment environment) {
			Integer idle = environment.getProperty(IDLE_CONNECTIONS, Integer.class);
			return (builder) -> {
				if (idle != null) {
					builder.maxIdleConnections(idle).keepAliveDuration(Peer.OKHTTP_KEEP_ALIVE);
				}
			};
		}

	}

}
