package io.github.llmresilience.observation;

/**
 * Which tokens of an answer a value counts: the {@code gen_ai.token.type} tag of
 * {@code gen_ai.client.token.usage}.
 */
public enum TokenType implements LlmMeters.TagValue {

	/**
	 * The prompt's tokens.
	 */
	INPUT,

	/**
	 * The completion's tokens.
	 */
	OUTPUT

}
