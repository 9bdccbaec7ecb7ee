package io.github.llmresilience;

import java.util.Objects;

/**
 * A function call the model asked for, as OpenAI's {@code tool_calls} describe it.
 *
 * @param id the call's id, to be echoed in the {@link ChatMessage#tool tool message} that
 * answers it
 * @param type the tool type, {@code function} for every current provider
 * @param name the name of the function to call
 * @param arguments the arguments as the model wrote them: a JSON document, not validated
 */
public record ToolCall(String id, String type, String name, String arguments) {

	/**
	 * Create a tool call.
	 * @param id the call's id
	 * @param type the tool type
	 * @param name the function name
	 * @param arguments the JSON arguments
	 */
	public ToolCall {
		Objects.requireNonNull(id, "'id' must not be null");
		Objects.requireNonNull(type, "'type' must not be null");
		Objects.requireNonNull(name, "'name' must not be null");
		Objects.requireNonNull(arguments, "'arguments' must not be null");
	}

	/**
	 * Create a call of type {@code function}.
	 * @param id the call's id
	 * @param name the function name
	 * @param arguments the JSON arguments
	 * @return the tool call
	 */
	public static ToolCall function(String id, String name, String arguments) {
		return new ToolCall(id, "function", name, arguments);
	}

}
