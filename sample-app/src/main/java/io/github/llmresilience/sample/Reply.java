package io.github.llmresilience.sample;

import dev.langchain4j.service.Result;

import io.github.llmresilience.Served;
import io.github.llmresilience.langchain4j.LlmChatResponseMetadata;

/**
 * A reply of the {@link SupportAgent} AI Service, and which target wrote it: the body of
 * {@code POST /api/replies}.
 *
 * @param reply the reply
 * @param provider the provider that answered
 * @param model the model that was asked
 * @param attempts the HTTP requests the call sent, across every target
 * @param fallback whether a target other than the policy's primary answered
 */
public record Reply(String reply, String provider, String model, int attempts, boolean fallback) {

	static Reply of(Result<String> result) {
		LlmChatResponseMetadata metadata = (LlmChatResponseMetadata) result.finalResponse().metadata();
		Served served = metadata.served();
		if (served == null) {
			throw new IllegalStateException("A reply that was not streamed says which target served it");
		}
		return new Reply(result.content(), served.provider(), served.model(), served.attempts(), served.fallback());
	}

}
