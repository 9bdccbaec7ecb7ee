package io.github.llmresilience.sample;

import reactor.core.publisher.Flux;

import org.springframework.stereotype.Service;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;

/**
 * Streams answers under the {@code chat} policy. Retries and fallbacks happen only before
 * the first delta reaches the caller; a stream cut after that ends with an
 * {@code LlmStreamInterruptedException}, and no delta is ever sent twice.
 */
@Service
public class ChatAssistant {

	private final LlmClient llm;

	public ChatAssistant(LlmClient llm) {
		this.llm = llm;
	}

	@LlmCall(policy = "chat")
	public Flux<String> reply(String prompt) {
		ChatRequest request = ChatRequest.builder()
			.system("You are a helpful assistant. Answer in a few sentences.")
			.user(prompt)
			.build();
		return this.llm.stream(request).map(ChatChunk::text).filter((text) -> !text.isEmpty());
	}

}
