package io.github.llmresilience.behaviour;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;

/**
 * The context runner that the auto-configuration tests start from: llm-resilience's
 * auto-configuration with Boot's {@code WebClient} auto-configuration that its clients
 * are built from.
 */
public final class LlmContextRunners {

	private LlmContextRunners() {
	}

	/**
	 * Return a runner of llm-resilience's auto-configuration, Boot's {@code WebClient}
	 * one, and more.
	 * @param autoConfigurations more auto-configurations, in any order (they are ordered
	 * as an application orders them)
	 * @return the runner
	 */
	public static ApplicationContextRunner llmResilience(Class<?>... autoConfigurations) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(WebClientAutoConfiguration.class, LlmResilienceAutoConfiguration.class))
			.withConfiguration(AutoConfigurations.of(autoConfigurations));
	}

}
