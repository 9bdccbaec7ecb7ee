package io.github.llmresilience.sample;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Service;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;

/**
 * Summarises texts under the {@code summaries} policy: {@code gpt-4o} on {@code openai}
 * first, then the {@code backup} provider, then a canned answer.
 */
@Service
public class Summarizer {

	private final LlmClient llm;

	public Summarizer(LlmClient llm) {
		this.llm = llm;
	}

	@LlmCall(policy = "summaries", fallbackMethod = "unavailable")
	public Mono<Summary> summarise(String text) {
		ChatRequest request = ChatRequest.builder()
			.system("Summarise the user's text in one or two sentences.")
			.user(text)
			.temperature(0.2)
			.build();
		return this.llm.chat(request).map(Summary::of);
	}

	public Mono<Summary> unavailable(String text, LlmException cause) {
		// Every target of the policy failed: answer anyway, and say that no model did.
		return Mono.just(new Summary("(no summary available right now)", "none", "none", cause.attempts(), true));
	}

}
