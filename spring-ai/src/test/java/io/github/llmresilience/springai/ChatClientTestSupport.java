package io.github.llmresilience.springai;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;

import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.springai.autoconfigure.LlmChatModelAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs Spring AI's {@code ChatClient} on {@link LlmChatModel} against
 * {@link FakeLlmServer} on real sockets, in real time with millisecond settings, with the
 * auto-configurations an application gets: two providers on one server, {@code openai}
 * (path {@code /openai/v1}) and {@code backup} (path {@code /backup/v1}). Policy
 * {@code default} has the primary only, with 4 attempts; {@code summaries} has 3 attempts
 * on the primary, then the fallback.
 */
abstract class ChatClientTestSupport {

	static final String PRIMARY = "gpt-4o";

	static final String FALLBACK = "claude-3-5-haiku";

	/**
	 * How much longer than its wait a gap between two requests may be on a loaded
	 * machine. A gap after an answer is never shorter than the wait (the server records a
	 * request before it answers it), so that bound is exact. These are the rules of the
	 * autoconfigure module's behaviour tests ({@code BehaviourTestSupport}); the engine's
	 * own tests check the exact waits in virtual time.
	 */
	static final Duration SLOW = Duration.ofSeconds(1);

	final FakeLlmServer server = FakeLlmServer.start();

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	ApplicationContextRunner runner(String... properties) {
		List<String> all = new ArrayList<>(List.of("llm.providers.openai.base-url=" + this.server.baseUrl("openai"),
				"llm.providers.openai.api-key=sk-primary-key", "llm.providers.openai.read-timeout=2s",
				"llm.providers.openai.first-chunk-timeout=2s", "llm.providers.openai.stream-idle-timeout=1s",
				"llm.providers.backup.base-url=" + this.server.baseUrl("backup"),
				"llm.providers.backup.api-key=sk-backup-key", "llm.defaults.retry.initial-backoff=20ms",
				"llm.defaults.retry.jitter=0", "llm.defaults.retry.max-retry-after=2s",
				"llm.policies.default.provider=openai", "llm.policies.default.model=" + PRIMARY,
				"llm.policies.summaries.provider=openai", "llm.policies.summaries.model=" + PRIMARY,
				"llm.policies.summaries.retry.max-attempts=3", "llm.policies.summaries.fallbacks[0].provider=backup",
				"llm.policies.summaries.fallbacks[0].model=" + FALLBACK));
		all.addAll(List.of(properties));
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					WebClientAutoConfiguration.class, LlmMetricsAutoConfiguration.class,
					LlmResilienceAutoConfiguration.class, ToolCallingAutoConfiguration.class,
					LlmChatModelAutoConfiguration.class, ChatClientAutoConfiguration.class))
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
			assertThat(gaps.get(i)).as("gap %d", i).isBetween(expected[i], expected[i].plus(SLOW));
		}
	}

}
