package io.github.llmresilience.sample;

import org.springframework.stereotype.Service;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;

/**
 * Writes headlines under the {@code default} policy, in blocking style: the method
 * returns a plain value and holds its thread while it waits, retries included. In a
 * WebFlux application, call it on {@code Schedulers.boundedElastic()}.
 */
@Service
public class HeadlineWriter {

	private final LlmClient llm;

	public HeadlineWriter(LlmClient llm) {
		this.llm = llm;
	}

	@LlmCall
	public Headline headline(String text) {
		ChatRequest request = ChatRequest.builder()
			.system("Write a headline of at most ten words for the user's text.")
			.user(text)
			.build();
		ChatResponse response = this.llm.chat(request).blockOptional().orElseThrow();
		return Headline.of(response);
	}

}
