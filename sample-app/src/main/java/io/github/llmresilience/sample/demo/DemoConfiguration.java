package io.github.llmresilience.sample.demo;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.ConfigurableEnvironment;

import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * Hands the demo's server to the application context, which closes it on shutdown. Tests
 * inject it to script outages.
 */
@Configuration(proxyBeanMethods = false)
@Profile(DemoLlmServerEnvironmentPostProcessor.PROFILE)
class DemoConfiguration {

	@Bean
	FakeLlmServer demoLlmServer(ConfigurableEnvironment environment) {
		return DemoLlmServerPropertySource.server(environment);
	}

}
