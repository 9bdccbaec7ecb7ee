package io.github.llmresilience;

import org.jspecify.annotations.Nullable;

/**
 * One piece of a streamed answer.
 *
 * @param text the text this chunk adds, empty if it adds none (the usage chunk, say)
 * @param finishReason why generation stopped, on the chunk that ends the answer;
 * otherwise {@code null}
 * @param usage the token counts, on the last chunk when the provider reports them;
 * otherwise {@code null}
 * @param model the model the server reported, or {@code null}
 */
public record ChatChunk(String text, @Nullable String finishReason, @Nullable Usage usage, @Nullable String model) {

	@Override
	public String toString() {
		// Never print the text: completions must not end up in logs.
		return "ChatChunk[length=" + this.text.length() + ", finishReason=" + this.finishReason + ", usage="
				+ this.usage + "]";
	}

}
