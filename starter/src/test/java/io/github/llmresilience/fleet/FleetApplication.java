package io.github.llmresilience.fleet;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * One instance of a fleet, as a user would run it: the starter, Spring Boot's Redis
 * starter and the configuration of {@code fleet/application-fleet.yml} (the one
 * {@code docs/guides/fleet.md} shows), pointed at a {@link FakeLlmServer} (providers
 * {@code openai} and {@code backup}) and a test's Redis, with the engine's clock given by
 * the test.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
class FleetApplication {

	static final String PRIMARY = "gpt-4o-mini";

	static final String BACKUP = "claude-3-5-haiku";

	@Bean
	SimpleMeterRegistry meterRegistry() {
		return new SimpleMeterRegistry();
	}

	/**
	 * Start an instance.
	 * @param server the providers
	 * @param redis the shared Redis
	 * @param keyPrefix the prefix of the test, so that tests do not share state
	 * @param clock the engine's clock
	 * @param properties more properties, which win
	 * @return the running instance
	 */
	static ConfigurableApplicationContext start(FakeLlmServer server, RedisContainer redis, String keyPrefix,
			Clock clock, String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.config.import=classpath:fleet/application-fleet.yml",
				"spring.data.redis.port=" + redis.port(), "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.connect-timeout=2s",
				// Generous for a loaded machine; the default of 50 ms is for production.
				"llm.shared-state.timeout=1s", "llm.shared-state.key-prefix=" + keyPrefix,
				"llm.providers.openai.base-url=" + server.baseUrl("openai"),
				"llm.providers.openai.rate-limit.requests-per-minute=0",
				"llm.providers.backup.base-url=" + server.baseUrl("backup"), "llm.policies.default.model=" + PRIMARY,
				"llm.policies.default.fallbacks[0].provider=backup",
				"llm.policies.default.fallbacks[0].model=" + BACKUP, "llm.defaults.retry.max-attempts=2",
				"llm.defaults.retry.initial-backoff=20ms", "llm.defaults.retry.jitter=0",
				"llm.defaults.retry.max-retry-after=5s"));
		all.addAll(List.of(properties));
		// A property given twice on the command line would be bound as both values,
		// joined by a comma.
		Map<String, String> arguments = new LinkedHashMap<>();
		for (String property : all) {
			String[] nameAndValue = property.split("=", 2);
			arguments.put(nameAndValue[0], nameAndValue[1]);
		}
		return new SpringApplicationBuilder(FleetApplication.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.initializers((context) -> context.getBeanFactory()
				.registerSingleton(LlmResilienceAutoConfiguration.CLOCK_BEAN, clock))
			.run(arguments.entrySet()
				.stream()
				.map((argument) -> "--" + argument.getKey() + "=" + argument.getValue())
				.toArray(String[]::new));
	}

}
