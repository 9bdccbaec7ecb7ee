package io.github.llmresilience.springai;

import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.behaviour.BehaviourTestSupport;
import io.github.llmresilience.springai.autoconfigure.LlmChatModelAutoConfiguration;
import io.github.llmresilience.springai.autoconfigure.LlmEmbeddingModelAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;

/**
 * Runs Spring AI's {@code ChatClient} on {@link LlmChatModel}, and its
 * {@code EmbeddingModel} API on {@link LlmEmbeddingModel}, against {@link FakeLlmServer}
 * with the settings and timing rules of the autoconfigure module's behaviour tests
 * ({@link BehaviourTestSupport}, from its test-jar), and the auto-configurations an
 * application gets besides: meters on an observation registry, tool calling,
 * {@link LlmChatModel}, {@link LlmEmbeddingModel} and {@code ChatClient.Builder}. Policy
 * {@code default} has the primary only, with 4 attempts; {@code summaries} has 3 attempts
 * on the primary, then the fallback.
 */
abstract class ChatClientTestSupport extends BehaviourTestSupport {

	@Override
	protected ApplicationContextRunner runner(String... properties) {
		return super.runner(properties).withConfiguration(METERS)
			.withConfiguration(
					AutoConfigurations.of(ToolCallingAutoConfiguration.class, LlmChatModelAutoConfiguration.class,
							LlmEmbeddingModelAutoConfiguration.class, ChatClientAutoConfiguration.class));
	}

}
