package io.github.llmresilience;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One piece of a streamed answer.
 * <p>
 * A provider streams a tool call in pieces (its id and name first, then its arguments a
 * few characters at a time). They are assembled as they arrive and delivered whole, all
 * calls of the answer at once and in the order of their index, in the chunk that ends
 * them: the one with the finish reason ({@code tool_calls}), or the end of the stream. A
 * stream that breaks before that delivers none of them.
 *
 * @param text the text this chunk adds, empty if it adds none (the usage chunk, say)
 * @param finishReason why generation stopped, on the chunk that ends the answer;
 * otherwise {@code null}
 * @param usage the token counts, on the last chunk when the provider reports them;
 * otherwise {@code null}
 * @param model the model the server reported, or {@code null}
 * @param toolCalls the tool calls of the answer, whole, on the chunk that ends them;
 * otherwise empty
 */
public record ChatChunk(String text, @Nullable String finishReason, @Nullable Usage usage, @Nullable String model,
		List<ToolCall> toolCalls) {

	/**
	 * Create a chunk.
	 * @param text the text
	 * @param finishReason the finish reason
	 * @param usage the token counts
	 * @param model the reported model
	 * @param toolCalls the whole tool calls this chunk ends
	 */
	public ChatChunk {
		toolCalls = List.copyOf(toolCalls);
	}

	/**
	 * Create a chunk that carries no tool call.
	 * @param text the text
	 * @param finishReason the finish reason
	 * @param usage the token counts
	 * @param model the reported model
	 */
	public ChatChunk(String text, @Nullable String finishReason, @Nullable Usage usage, @Nullable String model) {
		this(text, finishReason, usage, model, List.of());
	}

	/**
	 * Whether this chunk carries content: text, or tool calls.
	 * @return whether it carries content
	 */
	public boolean hasContent() {
		return !this.text.isEmpty() || !this.toolCalls.isEmpty();
	}

	@Override
	public String toString() {
		// Never print the text or the arguments: completions must not end up in logs.
		return "ChatChunk[length=" + this.text.length() + ", finishReason=" + this.finishReason + ", usage="
				+ this.usage + ", toolCalls=" + this.toolCalls.size() + "]";
	}

}
