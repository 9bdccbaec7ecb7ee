package io.github.llmresilience.sample;

import dev.langchain4j.service.Result;
import dev.langchain4j.service.SystemMessage;

/**
 * A LangChain4j AI Service: LangChain4j implements it on the {@code ChatModel} that
 * llm-resilience auto-configures, so each reply runs under a policy with its retries and
 * fallbacks.
 */
public interface SupportAgent {

	/**
	 * Answer a customer's question.
	 * @param question the question
	 * @return the reply, and the model's response it came from
	 */
	@SystemMessage("You are a support agent. Answer in a few sentences.")
	Result<String> reply(String question);

}
