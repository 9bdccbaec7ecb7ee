package io.github.llmresilience.observation;

/**
 * What a request asked for: the {@code gen_ai.operation.name} tag of
 * {@code gen_ai.client.token.usage}, as OpenTelemetry's GenAI semantic conventions name
 * the operations.
 */
public enum GenAiOperation implements LlmMeters.TagValue {

	/**
	 * A chat completion.
	 */
	CHAT,

	/**
	 * Embeddings.
	 */
	EMBEDDINGS

}
