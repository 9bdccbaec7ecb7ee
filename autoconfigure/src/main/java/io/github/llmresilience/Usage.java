package io.github.llmresilience;

/**
 * Token counts the provider reported for one completion.
 *
 * @param promptTokens tokens in the prompt (input)
 * @param completionTokens tokens in the answer (output)
 * @param totalTokens both together, as the provider reported it
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {

}
