package io.github.llmresilience.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.benchmarks.ObservedMeters;

/**
 * An application that uses the starter as users do: Spring Boot's {@code WebClient.Builder}, the
 * starter's auto-configuration and {@code llm.*} properties, and meters on a real registry, which
 * {@code llm.calls} and {@code llm.attempts} reach through an {@link ObservationRegistry}, as with
 * Actuator.
 */
final class StarterApp {

	private StarterApp() {
	}

	/**
	 * Start an application context.
	 * @param properties the {@code llm.*} (and other) properties
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(Map<String, Object> properties) {
		return start(properties, Application.class);
	}

	/**
	 * Start an application context with another configuration.
	 * @param properties the {@code llm.*} (and other) properties
	 * @param application the configuration, which imports the auto-configurations
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(Map<String, Object> properties, Class<?> application) {
		Map<String, Object> all = new LinkedHashMap<>();
		// One INFO line per call, and one WARN line per call that fell back, would flood the
		// output of a load test.
		all.put("logging.level.io.github.llmresilience.execution.LlmExecutor", "ERROR");
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

}
