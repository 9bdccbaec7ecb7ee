package io.github.llmresilience.it;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;

/**
 * A service as a user of the starter writes it: {@code @LlmCall} methods around
 * {@link LlmClient} calls.
 */
public class Assistant {

	private final LlmClient llm;

	public Assistant(LlmClient llm) {
		this.llm = llm;
	}

	@LlmCall(policy = "summaries")
	public Mono<ChatResponse> summarise(String text) {
		return this.llm.chat(ChatRequest.builder().system("Summarise in one sentence.").user(text).build());
	}

	@LlmCall(policy = "streaming")
	public Flux<ChatChunk> answer(String question) {
		return this.llm.stream(ChatRequest.builder().user(question).build());
	}

}
