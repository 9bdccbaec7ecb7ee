package io.github.llmresilience.sample.demo;

import org.jspecify.annotations.Nullable;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * Publishes the address of the demo's in-process server as {@value #URL_PROPERTY}, so
 * that {@code application-demo.yml} can point the providers at it, and holds the server
 * until the application context takes it over as a bean.
 */
final class DemoLlmServerPropertySource extends EnumerablePropertySource<FakeLlmServer> {

	static final String NAME = "demoLlmServer";

	/**
	 * The property that holds the server's root URL, such as
	 * {@code http://127.0.0.1:41234}.
	 */
	static final String URL_PROPERTY = "demo.llm-server.url";

	DemoLlmServerPropertySource(FakeLlmServer server) {
		super(NAME, server);
	}

	@Override
	public String[] getPropertyNames() {
		return new String[] { URL_PROPERTY };
	}

	@Override
	public @Nullable Object getProperty(String name) {
		return URL_PROPERTY.equals(name) ? "http://127.0.0.1:" + getSource().port() : null;
	}

	/**
	 * Return the server that demo mode started for this environment.
	 * @param environment the environment
	 * @return the server
	 * @throws IllegalStateException if demo mode did not start one
	 */
	static FakeLlmServer server(ConfigurableEnvironment environment) {
		PropertySource<?> source = environment.getPropertySources().get(NAME);
		if (!(source instanceof DemoLlmServerPropertySource demo)) {
			throw new IllegalStateException("Profile 'demo' is active but no demo server was started: "
					+ DemoLlmServerEnvironmentPostProcessor.class.getSimpleName()
					+ " starts it when the application runs through SpringApplication");
		}
		return demo.getSource();
	}

}
