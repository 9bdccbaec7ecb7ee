package io.github.llmresilience.langchain4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import org.junit.jupiter.api.AfterEach;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.langchain4j.autoconfigure.LlmLangChain4jAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs LangChain4j's AI Services on the auto-configured {@link LlmChatModel} and
 * {@link LlmStreamingChatModel} against {@link FakeLlmServer} on real sockets, in real
 * time with millisecond settings: two providers on one server, {@code openai} (path
 * {@code /openai/v1}) and {@code backup} (path {@code /backup/v1}). Policy
 * {@code default} has the primary only, with 4 attempts; {@code summaries} has 3 attempts
 * on the primary, then the fallback. A {@link RecordingListener} bean records what
 * LangChain4j tells the listeners.
 */
abstract class AiServicesTestSupport {

	static final String PRIMARY = "gpt-4o";

	static final String FALLBACK = "claude-3-5-haiku";

	/**
	 * How much longer than its wait a gap between two requests may be on a loaded
	 * machine; a gap is never shorter than its wait, so that bound is exact (as in the
	 * autoconfigure module's behaviour tests).
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
					LlmResilienceAutoConfiguration.class, LlmLangChain4jAutoConfiguration.class))
			.withBean(RecordingListener.class)
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

	/**
	 * A {@link ChatModelListener} that records what LangChain4j tells it: one
	 * {@code request} per logical call, then one {@code response} or one {@code error}.
	 */
	static class RecordingListener implements ChatModelListener {

		final List<String> events = new CopyOnWriteArrayList<>();

		final List<ChatModelResponseContext> responses = new CopyOnWriteArrayList<>();

		final List<ChatModelErrorContext> errors = new CopyOnWriteArrayList<>();

		@Override
		public void onRequest(ChatModelRequestContext context) {
			this.events.add("request");
		}

		@Override
		public void onResponse(ChatModelResponseContext context) {
			this.events.add("response");
			this.responses.add(context);
		}

		@Override
		public void onError(ChatModelErrorContext context) {
			this.events.add("error");
			this.errors.add(context);
		}

	}

}
