package io.github.llmresilience.springai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.definition.ToolDefinition;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatMessage;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;
import io.github.llmresilience.support.ChatParameters;

/**
 * Translates between Spring AI's prompt and response types and llm-resilience's
 * {@link ChatRequest}, {@link ChatResponse} and {@link ChatChunk}, the way Spring AI's
 * OpenAI chat model writes and reads the chat completions API.
 */
final class ChatModelMapping {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final List<String> TOOL_CHOICE_WORDS = List.of("auto", "none", "required");

	private ChatModelMapping() {
	}

	/**
	 * Build the request of a prompt.
	 * @param prompt the prompt
	 * @param options its options, already merged with the model's defaults
	 * @param tools the definitions of the tools the prompt offers
	 * @return the request
	 * @throws IllegalArgumentException for what the chat completions API cannot carry
	 */
	static ChatRequest toRequest(Prompt prompt, LlmChatOptions options, List<ToolDefinition> tools) {
		if (options.getModel() != null) {
			throw new IllegalArgumentException("LlmChatModel takes the model from the policy's targets, so the "
					+ "option model ('" + options.getModel() + "') cannot be used: remove it, and choose a policy "
					+ "whose target is that model with LlmChatOptions.policy(..)");
		}
		if (options.getTopK() != null) {
			throw new IllegalArgumentException("The chat completions API has no top-K, so the option topK cannot be "
					+ "sent: remove it, or send top_k to a server that accepts it with "
					+ "LlmChatOptions.builder().param(\"top_k\", ..)");
		}
		ChatRequest.Builder request = ChatRequest.builder();
		for (Message message : prompt.getInstructions()) {
			addMessage(request, message);
		}
		ChatParameters.putSampling(request, options.getTemperature(), options.getMaxTokens(), options.getTopP(),
				options.getStopSequences(), options.getFrequencyPenalty(), options.getPresencePenalty());
		if (!tools.isEmpty()) {
			request.param("tools", tools.stream().map(ChatModelMapping::tool).toList());
		}
		ChatParameters.putIfSet(request, "tool_choice", toolChoice(options.getToolChoice()));
		ChatParameters.putIfSet(request, "response_format", responseFormat(options));
		request.params(options.getParams());
		return request.build();
	}

	private static void addMessage(ChatRequest.Builder request, Message message) {
		switch (message.getMessageType()) {
			case SYSTEM -> request.system(text(message));
			case USER -> {
				if (message instanceof UserMessage user && !user.getMedia().isEmpty()) {
					throw new IllegalArgumentException("LlmChatModel sends text only, so a user message with media ("
							+ user.getMedia().stream().map((media) -> media.getMimeType().toString()).toList()
							+ ") cannot be sent: describe the media in text, or call a model that takes media "
							+ "another way");
				}
				request.user(text(message));
			}
			case ASSISTANT -> request.message(assistant((AssistantMessage) message));
			case TOOL -> {
				ToolResponseMessage toolResponses = (ToolResponseMessage) message;
				if (toolResponses.getResponses().isEmpty()) {
					throw new IllegalArgumentException("A tool response message carries no tool response");
				}
				for (ToolResponseMessage.ToolResponse response : toolResponses.getResponses()) {
					request.tool(response.id(), (response.responseData() != null) ? response.responseData() : "");
				}
			}
		}
	}

	private static ChatMessage assistant(AssistantMessage message) {
		String text = message.getText();
		if (!message.hasToolCalls()) {
			return ChatMessage.assistant((text != null) ? text : "");
		}
		List<ToolCall> toolCalls = new ArrayList<>(message.getToolCalls().size());
		for (AssistantMessage.ToolCall call : message.getToolCalls()) {
			if (call.id() == null || call.name() == null) {
				throw new IllegalArgumentException("A tool call of an assistant message lacks its id or name");
			}
			toolCalls.add(new ToolCall(call.id(), (call.type() != null) ? call.type() : "function", call.name(),
					(call.arguments() != null) ? call.arguments() : "{}"));
		}
		return ChatMessage.assistant((text != null && !text.isEmpty()) ? text : null, toolCalls);
	}

	private static String text(Message message) {
		return (message.getText() != null) ? message.getText() : "";
	}

	private static Map<String, Object> tool(ToolDefinition definition) {
		String schema = definition.inputSchema();
		return ChatParameters.functionTool(definition.name(), definition.description(),
				(schema == null || schema.isBlank()) ? null
						: jsonObject(schema, "the input schema of tool '" + definition.name() + "'"));
	}

	private static @Nullable Object toolChoice(@Nullable Object choice) {
		if (choice instanceof String text && !TOOL_CHOICE_WORDS.contains(text)) {
			return jsonObject(text, "toolChoice (auto, none, required or a JSON object)");
		}
		return choice;
	}

	private static @Nullable Map<String, Object> responseFormat(LlmChatOptions options) {
		if (options.getOutputSchema() != null) {
			// As Spring AI's OpenAI model sends it: a strict schema named json_schema.
			return ChatParameters.jsonSchemaFormat("json_schema", true,
					jsonObject(options.getOutputSchema(), "the output schema"));
		}
		return options.getResponseFormat();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> jsonObject(String json, String what) {
		try {
			Object value = JSON.readValue(json, Object.class);
			if (value instanceof Map<?, ?> map) {
				return (Map<String, Object>) map;
			}
		}
		catch (JacksonException ex) {
			// Explained below.
		}
		throw new IllegalArgumentException(what + " must be a JSON object");
	}

	/**
	 * Build the Spring AI response of an answer.
	 * @param response the answer
	 * @param policy the policy that ran the call, or {@code null} if not known (then the
	 * metadata has none)
	 * @return the response, with the served facts and the policy in its metadata
	 */
	static org.springframework.ai.chat.model.ChatResponse toChatResponse(ChatResponse response,
			@Nullable String policy) {
		JsonNode body = readBody(response.rawJson());
		String id = text(body, "id");
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("id", (id != null) ? id : "");
		properties.put("role", "assistant");
		properties.put("index", 0);
		properties.put("finishReason", (response.finishReason() != null) ? response.finishReason() : "");
		AssistantMessage message = AssistantMessage.builder()
			.content((response.content() != null) ? response.content() : "")
			.properties(properties)
			.toolCalls(toolCalls(response.toolCalls()))
			.build();
		ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder()
			.id((id != null) ? id : "")
			.model((response.model() != null) ? response.model() : response.served().model())
			.usage(usage(response.usage()))
			.keyValue(LlmChatModel.SERVED_METADATA_KEY, response.served())
			.keyValue(LlmChatModel.POLICY_METADATA_KEY, policy);
		JsonNode created = (body != null) ? body.get("created") : null;
		if (created != null && created.isNumber()) {
			metadata.keyValue("created", created.asLong());
		}
		return new org.springframework.ai.chat.model.ChatResponse(
				List.of(new Generation(message, generationMetadata(response.finishReason()))), metadata.build());
	}

	/**
	 * Build the Spring AI response of a streamed chunk.
	 * @param chunk the chunk
	 * @param policy the policy that runs the stream, or {@code null} if not known (then
	 * the metadata has none)
	 * @return the response; one without a generation for the chunk that carries only the
	 * usage, as Spring AI's OpenAI model emits it
	 */
	static org.springframework.ai.chat.model.ChatResponse toChatResponse(ChatChunk chunk, @Nullable String policy) {
		ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder()
			.usage(usage(chunk.usage()))
			.keyValue(LlmChatModel.POLICY_METADATA_KEY, policy);
		if (chunk.model() != null) {
			metadata.model(chunk.model());
		}
		if (chunk.usage() != null && !chunk.hasContent() && chunk.finishReason() == null) {
			return new org.springframework.ai.chat.model.ChatResponse(List.of(), metadata.build());
		}
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("role", "assistant");
		properties.put("index", 0);
		properties.put("finishReason", (chunk.finishReason() != null) ? chunk.finishReason() : "");
		// The tool calls arrive whole, in the chunk that ends them: ChatClient's
		// aggregator collects them from it and runs the tool loop.
		AssistantMessage message = AssistantMessage.builder()
			.content(chunk.text())
			.properties(properties)
			.toolCalls(toolCalls(chunk.toolCalls()))
			.build();
		return new org.springframework.ai.chat.model.ChatResponse(
				List.of(new Generation(message, generationMetadata(chunk.finishReason()))), metadata.build());
	}

	private static List<AssistantMessage.ToolCall> toolCalls(List<ToolCall> toolCalls) {
		return toolCalls.stream()
			.map((call) -> new AssistantMessage.ToolCall(call.id(), call.type(), call.name(), call.arguments()))
			.toList();
	}

	private static ChatGenerationMetadata generationMetadata(@Nullable String finishReason) {
		// Spring AI's OpenAI model reports the finish reason as its enum name: STOP,
		// TOOL_CALLS, ...
		return ChatGenerationMetadata.builder()
			.finishReason((finishReason != null) ? finishReason.toUpperCase(Locale.ROOT) : null)
			.build();
	}

	private static org.springframework.ai.chat.metadata.Usage usage(@Nullable Usage usage) {
		if (usage == null) {
			return new EmptyUsage();
		}
		return new DefaultUsage(Math.toIntExact(usage.promptTokens()), Math.toIntExact(usage.completionTokens()),
				Math.toIntExact(usage.totalTokens()), usage);
	}

	private static @Nullable JsonNode readBody(String rawJson) {
		try {
			JsonNode body = JSON.readTree(rawJson);
			return (body != null && body.isObject()) ? body : null;
		}
		catch (JacksonException ex) {
			// The engine has read this body already; a body it took without an id has
			// none.
			return null;
		}
	}

	private static @Nullable String text(@Nullable JsonNode node, String field) {
		JsonNode value = (node != null) ? node.get(field) : null;
		return (value != null && value.isString()) ? value.asString() : null;
	}

}
