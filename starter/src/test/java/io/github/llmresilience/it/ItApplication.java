package io.github.llmresilience.it;

import java.util.List;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import io.github.llmresilience.LlmClient;

/**
 * The application the integration tests start, as a user would: auto-configuration from
 * the starter alone, a {@link MeterRegistry}, and a service with {@code @LlmCall}
 * methods. Two providers point at two path prefixes of one WireMock server:
 * {@code primary} and {@code backup}.
 */
@SpringBootApplication(proxyBeanMethods = false)
class ItApplication {

	static final String PRIMARY_MODEL = "gpt-4o-mini";

	static final String BACKUP_MODEL = "claude-3-5-haiku";

	@Bean
	SimpleMeterRegistry meterRegistry() {
		return new SimpleMeterRegistry();
	}

	@Bean
	Assistant assistant(LlmClient llm) {
		return new Assistant(llm);
	}

	/**
	 * Start the application against WireMock, with millisecond settings: 20 ms backoffs
	 * without jitter. The primary provider's timeouts are 5 s, which a slow machine does
	 * not reach and tests about timeouts shorten.
	 * @param wiremock the WireMock container
	 * @param properties more properties, which win
	 * @return the running application
	 */
	static ConfigurableApplicationContext run(WireMockContainer wiremock, String... properties) {
		List<String> defaults = List.of("llm.providers.primary.base-url=" + wiremock.baseUrl("primary"),
				"llm.providers.primary.api-key=sk-it-primary", "llm.providers.primary.read-timeout=5s",
				"llm.providers.primary.first-chunk-timeout=5s", "llm.providers.primary.stream-idle-timeout=5s",
				"llm.providers.backup.base-url=" + wiremock.baseUrl("backup"),
				"llm.providers.backup.api-key=sk-it-backup", "llm.defaults.retry.max-attempts=3",
				"llm.defaults.retry.initial-backoff=20ms", "llm.defaults.retry.jitter=0",
				"llm.defaults.retry.max-retry-after=5s", "llm.policies.default.provider=primary",
				"llm.policies.default.model=" + PRIMARY_MODEL, "llm.policies.summaries.provider=primary",
				"llm.policies.summaries.model=" + PRIMARY_MODEL, "llm.policies.summaries.fallbacks[0].provider=backup",
				"llm.policies.summaries.fallbacks[0].model=" + BACKUP_MODEL, "llm.policies.streaming.provider=primary",
				"llm.policies.streaming.model=" + PRIMARY_MODEL);
		// As default properties, so that a command-line argument of the same name
		// replaces one
		// (two arguments of one name would be joined into a list).
		return new SpringApplicationBuilder(ItApplication.class).main(ItApplication.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.properties(defaults.toArray(String[]::new))
			.run(Stream.of(properties).map((property) -> "--" + property).toArray(String[]::new));
	}

}
