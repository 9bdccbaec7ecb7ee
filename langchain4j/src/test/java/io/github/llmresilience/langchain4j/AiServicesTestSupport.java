package io.github.llmresilience.langchain4j;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.behaviour.BehaviourTestSupport;
import io.github.llmresilience.langchain4j.autoconfigure.LlmLangChain4jAutoConfiguration;
import io.github.llmresilience.langchain4j.autoconfigure.LlmLangChain4jEmbeddingModelAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * Runs LangChain4j's AI Services on the auto-configured {@link LlmChatModel} and
 * {@link LlmStreamingChatModel}, and its {@code EmbeddingModel} API on
 * {@link LlmEmbeddingModel}, against {@link FakeLlmServer} with the settings and timing
 * rules of the autoconfigure module's behaviour tests ({@link BehaviourTestSupport}, from
 * its test-jar), and meters on an observation registry. Policy {@code default} has the
 * primary only, with 4 attempts; {@code summaries} has 3 attempts on the primary, then
 * the fallback. A {@link RecordingListener} bean records what LangChain4j tells the
 * listeners.
 */
abstract class AiServicesTestSupport extends BehaviourTestSupport {

	@Override
	protected ApplicationContextRunner runner(String... properties) {
		return super.runner(properties).withConfiguration(METERS)
			.withConfiguration(AutoConfigurations.of(LlmLangChain4jAutoConfiguration.class,
					LlmLangChain4jEmbeddingModelAutoConfiguration.class))
			.withBean(RecordingListener.class);
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
