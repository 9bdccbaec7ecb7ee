package io.github.llmresilience.sample;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

import io.github.llmresilience.Served;
import io.github.llmresilience.springai.LlmChatModel;

/**
 * An answer of Spring AI's {@code ChatClient}, and which target wrote it: the body of
 * {@code POST /api/answers}.
 *
 * @param answer the answer
 * @param provider the provider that answered
 * @param model the model that was asked
 * @param attempts the HTTP requests the call sent, across every target
 * @param fallback whether a target other than the policy's primary answered
 */
public record Answer(String answer, String provider, String model, int attempts, boolean fallback) {

	static Answer of(ChatResponse response) {
		Generation result = response.getResult();
		String text = (result != null) ? result.getOutput().getText() : null;
		Served served = response.getMetadata().getRequired(LlmChatModel.SERVED_METADATA_KEY);
		return new Answer((text != null) ? text : "", served.provider(), served.model(), served.attempts(),
				served.fallback());
	}

}
