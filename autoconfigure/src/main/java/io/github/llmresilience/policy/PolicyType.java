package io.github.llmresilience.policy;

import java.util.Locale;

/**
 * What a policy serves. In {@code application.yml} it is written in lower case
 * ({@code chat}, {@code embeddings}), as {@link #toString()} returns it.
 */
public enum PolicyType {

	/**
	 * Chat completions: {@code LlmClient.chat}, {@code LlmClient.stream} and
	 * {@code @LlmCall} methods.
	 */
	CHAT,

	/**
	 * Embeddings: {@code LlmClient.embed}.
	 */
	EMBEDDINGS;

	@Override
	public String toString() {
		return name().toLowerCase(Locale.ROOT);
	}

}
