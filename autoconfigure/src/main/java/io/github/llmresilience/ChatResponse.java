package io.github.llmresilience;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The answer to a chat completion request, and which target served it.
 *
 * @param content the assistant's text, or {@code null} when the model only made tool
 * calls
 * @param finishReason why generation stopped ({@code stop}, {@code length},
 * {@code tool_calls}, ...), or {@code null} if the provider did not say
 * @param toolCalls the tool calls the model made, empty if none
 * @param usage the token counts, or {@code null} if the provider reported none
 * @param model the model the server reported it used, which may differ from the requested
 * model in {@link #served()} (a dated snapshot, say), or {@code null} if it reported none
 * @param rawJson the whole response body as the provider sent it, for fields this type
 * does not map
 * @param served which target served the call and how many attempts it took
 */
public record ChatResponse(@Nullable String content, @Nullable String finishReason, List<ToolCall> toolCalls,
		@Nullable Usage usage, @Nullable String model, String rawJson, Served served) {

	/**
	 * Create a response.
	 * @param content the text
	 * @param finishReason the finish reason
	 * @param toolCalls the tool calls
	 * @param usage the token counts
	 * @param model the reported model
	 * @param rawJson the body
	 * @param served the serving target
	 */
	public ChatResponse {
		toolCalls = List.copyOf(toolCalls);
		Objects.requireNonNull(rawJson, "'rawJson' must not be null");
		Objects.requireNonNull(served, "'served' must not be null");
	}

	/**
	 * Return a copy of this response with another description of the serving target.
	 * @param served the serving target
	 * @return the copy
	 */
	public ChatResponse withServed(Served served) {
		return new ChatResponse(this.content, this.finishReason, this.toolCalls, this.usage, this.model, this.rawJson,
				served);
	}

	@Override
	public String toString() {
		// Never print the content or the body: completions must not end up in logs.
		return "ChatResponse[length=" + ((this.content != null) ? this.content.length() : 0) + ", finishReason="
				+ this.finishReason + ", toolCalls=" + this.toolCalls.size() + ", usage=" + this.usage + ", model="
				+ this.model + ", served=" + this.served + "]";
	}

}
