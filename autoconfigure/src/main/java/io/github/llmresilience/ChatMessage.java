package io.github.llmresilience;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One message of a chat conversation.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content the text; may be {@code null} only for an assistant message that carries
 * tool calls
 * @param toolCallId for a {@code tool} message, the id of the tool call it answers
 * @param toolCalls for an {@code assistant} message, the tool calls the model made
 */
public record ChatMessage(String role, @Nullable String content, @Nullable String toolCallId,
		List<ToolCall> toolCalls) {

	/**
	 * Create a message.
	 * @param role the role
	 * @param content the text
	 * @param toolCallId the answered tool call's id, for a tool message
	 * @param toolCalls the tool calls, for an assistant message
	 */
	public ChatMessage {
		Objects.requireNonNull(role, "'role' must not be null");
		toolCalls = List.copyOf(toolCalls);
		if (content == null && toolCalls.isEmpty()) {
			throw new IllegalArgumentException("A " + role + " message needs content");
		}
		if ("tool".equals(role) && (toolCallId == null || toolCallId.isEmpty())) {
			throw new IllegalArgumentException("A tool message needs the id of the tool call it answers");
		}
	}

	/**
	 * Create a system message.
	 * @param content the instructions
	 * @return the message
	 */
	public static ChatMessage system(String content) {
		return new ChatMessage("system", content, null, List.of());
	}

	/**
	 * Create a user message.
	 * @param content the text
	 * @return the message
	 */
	public static ChatMessage user(String content) {
		return new ChatMessage("user", content, null, List.of());
	}

	/**
	 * Create an assistant message, an earlier answer of the model.
	 * @param content the text
	 * @return the message
	 */
	public static ChatMessage assistant(String content) {
		return new ChatMessage("assistant", content, null, List.of());
	}

	/**
	 * Create an assistant message that made tool calls.
	 * @param content the text, or {@code null}
	 * @param toolCalls the tool calls the model made
	 * @return the message
	 */
	public static ChatMessage assistant(@Nullable String content, List<ToolCall> toolCalls) {
		return new ChatMessage("assistant", content, null, toolCalls);
	}

	/**
	 * Create a tool message: the result of a tool call.
	 * @param toolCallId the id of the tool call this answers
	 * @param content the result
	 * @return the message
	 */
	public static ChatMessage tool(String toolCallId, String content) {
		return new ChatMessage("tool", content, toolCallId, List.of());
	}

	@Override
	public String toString() {
		// Never print the content: prompts must not end up in logs.
		return "ChatMessage[role=" + this.role + ", length=" + ((this.content != null) ? this.content.length() : 0)
				+ ((this.toolCalls.isEmpty()) ? "" : ", toolCalls=" + this.toolCalls.size()) + "]";
	}

}
