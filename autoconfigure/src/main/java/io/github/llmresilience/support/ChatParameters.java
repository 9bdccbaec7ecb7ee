package io.github.llmresilience.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.ChatRequest;

/**
 * What a chat model adapter (Spring AI's or LangChain4j's {@code ChatModel}) does with
 * its framework's options: each one that is set goes into the request under the name the
 * chat completions API gives it, and tools and JSON schemas take the shape that API gives
 * them.
 */
public final class ChatParameters {

	private ChatParameters() {
	}

	/**
	 * Put the sampling options that are set into the request.
	 * @param request the request being built
	 * @param temperature the temperature
	 * @param maxTokens the most tokens of the answer
	 * @param topP the nucleus sampling share ({@code top_p})
	 * @param stop the sequences that end the answer; none when empty
	 * @param frequencyPenalty the {@code frequency_penalty}
	 * @param presencePenalty the {@code presence_penalty}
	 */
	public static void putSampling(ChatRequest.Builder request, @Nullable Double temperature,
			@Nullable Integer maxTokens, @Nullable Double topP, @Nullable List<String> stop,
			@Nullable Double frequencyPenalty, @Nullable Double presencePenalty) {
		request.temperature(temperature).maxTokens(maxTokens);
		putIfSet(request, "top_p", topP);
		if (stop != null && !stop.isEmpty()) {
			request.param("stop", stop);
		}
		putIfSet(request, "frequency_penalty", frequencyPenalty);
		putIfSet(request, "presence_penalty", presencePenalty);
	}

	/**
	 * Put a parameter into the request if it is set.
	 * @param request the request being built
	 * @param name the parameter's name in the chat completions API
	 * @param value its value, or {@code null} to leave it out
	 */
	public static void putIfSet(ChatRequest.Builder request, String name, @Nullable Object value) {
		if (value != null) {
			request.param(name, value);
		}
	}

	/**
	 * Return a tool as the chat completions API takes it: a function, with the JSON
	 * schema of its arguments.
	 * @param name the function's name
	 * @param description what the function does, or {@code null} to send none
	 * @param parameters the JSON schema of its arguments, or {@code null} for a function
	 * that takes none (an object without properties)
	 * @return the tool
	 */
	public static Map<String, Object> functionTool(String name, @Nullable String description,
			@Nullable Map<String, Object> parameters) {
		Map<String, Object> function = new LinkedHashMap<>();
		function.put("name", name);
		if (description != null) {
			function.put("description", description);
		}
		function.put("parameters",
				(parameters != null) ? parameters : Map.of("type", "object", "properties", Map.of()));
		Map<String, Object> tool = new LinkedHashMap<>();
		tool.put("type", "function");
		tool.put("function", function);
		return tool;
	}

	/**
	 * Return the response format that asks for JSON a schema describes
	 * ({@code json_schema}).
	 * @param name the schema's name
	 * @param strict whether the answer must follow the schema strictly
	 * @param schema the JSON schema
	 * @return the response format
	 */
	public static Map<String, Object> jsonSchemaFormat(String name, boolean strict, Map<String, Object> schema) {
		Map<String, Object> jsonSchema = new LinkedHashMap<>();
		jsonSchema.put("name", name);
		jsonSchema.put("strict", strict);
		jsonSchema.put("schema", schema);
		Map<String, Object> format = new LinkedHashMap<>();
		format.put("type", "json_schema");
		format.put("json_schema", jsonSchema);
		return format;
	}

}
