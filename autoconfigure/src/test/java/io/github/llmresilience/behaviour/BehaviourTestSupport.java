package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the starter against {@link FakeLlmServer} on real sockets, in real time with millisecond
 * settings: two providers on one server, {@code openai} (path {@code /openai/v1}) and
 * {@code backup} (path {@code /backup/v1}).
 */
abstract class BehaviourTestSupport {

	static final String PRIMARY = "gpt-4o";

	static final String FALLBACK = "claude-3-5-haiku";

	/**
	 * How much earlier than expected a request may be recorded. Gaps are measured where the server
	 * receives the requests, and a loaded machine can delay one receipt more than the next; the
	 * exact waits are checked in virtual time by the engine's tests.
	 */
	static final Duration EARLY = Duration.ofMillis(100);

	/**
	 * How much later than expected a request may be recorded.
	 */
	static final Duration TOLERANCE = Duration.ofMillis(150);

	final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	ApplicationContextRunner runner(String... properties) {
		List<String> all = new ArrayList<>(List.of("llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
				"llm.providers.openai.api-key=sk-primary-key", "llm.providers.openai.read-timeout=500ms",
				"llm.providers.openai.first-chunk-timeout=500ms", "llm.providers.openai.stream-idle-timeout=300ms",
				"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
				"llm.providers.backup.api-key=sk-backup-key", "llm.defaults.retry.initial-backoff=20ms",
				"llm.defaults.retry.jitter=0", "llm.defaults.retry.max-retry-after=2s",
				"llm.policies.default.provider=openai", "llm.policies.default.model=" + PRIMARY,
				"llm.policies.summaries.provider=openai", "llm.policies.summaries.model=" + PRIMARY,
				"llm.policies.summaries.retry.max-attempts=3", "llm.policies.summaries.fallbacks[0].provider=backup",
				"llm.policies.summaries.fallbacks[0].model=" + FALLBACK, "llm.policies.streaming.provider=openai",
				"llm.policies.streaming.model=" + PRIMARY, "llm.policies.streaming.fallbacks[0].provider=backup",
				"llm.policies.streaming.fallbacks[0].model=" + FALLBACK, "llm.policies.parsing.provider=openai",
				"llm.policies.parsing.model=" + PRIMARY,
				"llm.policies.parsing.retry.retry-on-exceptions=java.lang.NumberFormatException"));
		all.addAll(List.of(properties));
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LlmResilienceAutoConfiguration.class,
					WebClientAutoConfiguration.class))
			.withUserConfiguration(Services.class)
			.withPropertyValues(all.toArray(String[]::new));
	}

	List<RecordedRequest> primaryRequests() {
		return this.server.requests(PRIMARY);
	}

	List<RecordedRequest> fallbackRequests() {
		return this.server.requests(FALLBACK);
	}

	static void assertGaps(List<RecordedRequest> requests, Duration... expected) {
		List<Duration> gaps = FakeLlmServer.gaps(requests);
		assertThat(gaps).hasSize(expected.length);
		for (int i = 0; i < expected.length; i++) {
			Duration earliest = expected[i].minus(EARLY);
			assertThat(gaps.get(i)).as("gap %d", i)
				.isBetween(earliest.isNegative() ? Duration.ZERO : earliest, expected[i].plus(TOLERANCE));
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Services {

		@Bean
		Summarizer summarizer(LlmClient llm) {
			return new Summarizer(llm);
		}

	}

}
