package io.github.llmresilience.sample.demo;

import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * Starts the demo's {@link FakeLlmServer} when profile {@code demo} is active, before the
 * application context exists: the providers' base URLs in {@code application-demo.yml}
 * refer to its address ({@code demo.llm-server.url}), and the starter reads them while
 * the context starts. The context then owns the server as the bean {@code demoLlmServer}
 * and stops it when it closes.
 */
public class DemoLlmServerEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String PROFILE = "demo";

	private final Log logger;

	public DemoLlmServerEnvironmentPostProcessor(DeferredLogFactory logFactory) {
		this.logger = logFactory.getLog(DemoLlmServerEnvironmentPostProcessor.class);
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.matchesProfiles(PROFILE)
				|| environment.getPropertySources().contains(DemoLlmServerPropertySource.NAME)) {
			return;
		}
		DemoProperties properties = Binder.get(environment).bindOrCreate("demo", DemoProperties.class);
		DemoChaos chaos = new DemoChaos(properties);
		// A demo can run for hours: keep no record of its requests (tests switch
		// recording on).
		FakeLlmServer server = FakeLlmServer.start().recordRequests(false).defaultResponder(chaos);
		environment.getPropertySources().addLast(new DemoLlmServerPropertySource(server));
		DemoProperties.Chaos mix = properties.getChaos();
		this.logger.info("Demo mode: FakeLlmServer on http://127.0.0.1:" + server.port()
				+ " stands in for the providers; " + mix.getProviders() + " answer "
				+ Math.round(mix.getRateLimitedFraction() * 100) + "% 429 (retry after "
				+ mix.getRetryAfter().toMillis() + "ms) and " + Math.round(mix.getServerErrorFraction() * 100) + "% "
				+ mix.getServerErrorStatus() + ", seed " + mix.getSeed());
	}

	@Override
	public int getOrder() {
		// After the config data processor, so that profiles and demo.* from
		// application.yml are known.
		return Ordered.LOWEST_PRECEDENCE;
	}

}
