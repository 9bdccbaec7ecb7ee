package io.github.llmresilience.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;
import io.github.llmresilience.support.ChatParameters;

/**
 * Translates between LangChain4j's chat request and response and llm-resilience's
 * {@link ChatRequest} and {@link io.github.llmresilience.ChatResponse}, the way
 * LangChain4j's OpenAI model writes and reads the chat completions API.
 */
final class LangChain4jMapping {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private LangChain4jMapping() {
	}

	/**
	 * Build the request of a LangChain4j chat request.
	 * @param chatRequest the request, its parameters already merged with the model's
	 * defaults
	 * @return the request
	 * @throws IllegalArgumentException for what the model cannot send, saying what to do
	 * instead
	 */
	static ChatRequest toRequest(dev.langchain4j.model.chat.request.ChatRequest chatRequest) {
		ChatRequestParameters parameters = chatRequest.parameters();
		if (parameters.modelName() != null) {
			throw new IllegalArgumentException("llm-resilience's LangChain4j models take the model from the policy's "
					+ "targets, so the parameter modelName ('" + parameters.modelName() + "') cannot be used: "
					+ "remove it, and use a model bean whose policy (llm.langchain4j.chat-model.policy, or the "
					+ "policy of a model you create) has that model as its target");
		}
		if (parameters.topK() != null) {
			throw new IllegalArgumentException(
					"The chat completions API has no top-K, so the parameter topK " + "cannot be sent: remove it");
		}
		ChatRequest.Builder request = ChatRequest.builder();
		for (ChatMessage message : chatRequest.messages()) {
			addMessage(request, message);
		}
		ChatParameters.putSampling(request, parameters.temperature(), parameters.maxOutputTokens(), parameters.topP(),
				parameters.stopSequences(), parameters.frequencyPenalty(), parameters.presencePenalty());
		List<ToolSpecification> tools = parameters.toolSpecifications();
		if (tools != null && !tools.isEmpty()) {
			request.param("tools", tools.stream().map(LangChain4jMapping::tool).toList());
		}
		if (parameters.toolChoice() != null) {
			request.param("tool_choice", parameters.toolChoice().name().toLowerCase(Locale.ROOT));
		}
		ChatParameters.putIfSet(request, "response_format", responseFormat(parameters.responseFormat()));
		return request.build();
	}

	private static void addMessage(ChatRequest.Builder request, ChatMessage message) {
		if (message instanceof SystemMessage system) {
			request.system(system.text());
		}
		else if (message instanceof UserMessage user) {
			request.user(userText(user));
		}
		else if (message instanceof AiMessage ai) {
			request.message(assistant(ai));
		}
		else if (message instanceof ToolExecutionResultMessage result) {
			if (!result.hasSingleText()) {
				throw new IllegalArgumentException("llm-resilience's LangChain4j models send text only, so the result "
						+ "of tool '" + result.toolName() + "' with " + contentTypes(result.contents())
						+ " cannot be sent: return the tool's result as text");
			}
			request.tool(result.id(), (result.text() != null) ? result.text() : "");
		}
		else {
			throw new IllegalArgumentException("llm-resilience's LangChain4j models send system, user, AI and tool "
					+ "result messages only, so a message of type " + message.type()
					+ " cannot be sent: turn it into one of those");
		}
	}

	private static String userText(UserMessage user) {
		if (user.name() != null) {
			throw new IllegalArgumentException("llm-resilience's LangChain4j models do not send a user message's "
					+ "name ('" + user.name() + "'): leave it out, or put it in the message's text");
		}
		List<Content> contents = user.contents();
		StringBuilder text = new StringBuilder();
		for (Content content : contents) {
			if (!(content instanceof TextContent textContent)) {
				throw new IllegalArgumentException("llm-resilience's LangChain4j models send text only, so a user "
						+ "message with " + contentTypes(contents) + " cannot be sent: describe the media in text, "
						+ "or call a model that takes media, such as LangChain4j's OpenAiChatModel, for that "
						+ "message");
			}
			if (!text.isEmpty()) {
				text.append('\n');
			}
			text.append(textContent.text());
		}
		return text.toString();
	}

	private static String contentTypes(List<Content> contents) {
		return contents.stream()
			.map((content) -> content.type().name().toLowerCase(Locale.ROOT))
			.distinct()
			.toList()
			.toString()
			.replace("[", "")
			.replace("]", "") + " content";
	}

	private static io.github.llmresilience.ChatMessage assistant(AiMessage message) {
		String text = message.text();
		if (!message.hasToolExecutionRequests()) {
			return io.github.llmresilience.ChatMessage.assistant((text != null) ? text : "");
		}
		List<ToolCall> toolCalls = new ArrayList<>(message.toolExecutionRequests().size());
		for (ToolExecutionRequest request : message.toolExecutionRequests()) {
			if (request.id() == null || request.name() == null) {
				throw new IllegalArgumentException("A tool execution request of an AI message lacks its id or name");
			}
			toolCalls.add(ToolCall.function(request.id(), request.name(),
					(request.arguments() != null) ? request.arguments() : "{}"));
		}
		return io.github.llmresilience.ChatMessage.assistant((text != null && !text.isEmpty()) ? text : null,
				toolCalls);
	}

	/**
	 * A tool as LangChain4j's OpenAI model sends it: a function whose parameters are the
	 * specification's JSON schema.
	 */
	private static Map<String, Object> tool(ToolSpecification specification) {
		return ChatParameters.functionTool(specification.name(), specification.description(),
				(specification.parameters() != null) ? JsonSchemaElementUtils.toMap(specification.parameters(), false)
						: null);
	}

	/**
	 * The response format as LangChain4j's OpenAI model sends it: none for text,
	 * {@code json_object} for JSON without a schema, {@code json_schema} with it.
	 */
	private static @Nullable Map<String, Object> responseFormat(@Nullable ResponseFormat format) {
		if (format == null || format.type() == ResponseFormatType.TEXT) {
			return null;
		}
		JsonSchema schema = format.jsonSchema();
		if (schema == null) {
			return Map.of("type", "json_object");
		}
		return ChatParameters.jsonSchemaFormat(schema.name(), false,
				JsonSchemaElementUtils.toMap(schema.rootElement(), false));
	}

	/**
	 * Build the LangChain4j response of an answer.
	 * @param response the answer
	 * @param policy the policy that ran the call, if known
	 * @return the response, whose metadata holds the served facts
	 */
	static ChatResponse toChatResponse(io.github.llmresilience.ChatResponse response, @Nullable String policy) {
		return ChatResponse.builder()
			.aiMessage(aiMessage(response.content(), response.toolCalls()))
			.metadata(LlmChatResponseMetadata.builder()
				.id(id(response.rawJson()))
				.modelName((response.model() != null) ? response.model() : response.served().model())
				.tokenUsage(tokenUsage(response.usage()))
				.finishReason(finishReason(response.finishReason()))
				.served(response.served())
				.policy(policy)
				.build())
			.build();
	}

	static AiMessage aiMessage(@Nullable String text, List<ToolCall> toolCalls) {
		AiMessage.Builder message = AiMessage.builder().text((text != null && !text.isEmpty()) ? text : null);
		if (!toolCalls.isEmpty()) {
			message.toolExecutionRequests(toolCalls.stream().map(LangChain4jMapping::toolExecutionRequest).toList());
		}
		return message.build();
	}

	static ToolExecutionRequest toolExecutionRequest(ToolCall call) {
		return ToolExecutionRequest.builder().id(call.id()).name(call.name()).arguments(call.arguments()).build();
	}

	static @Nullable TokenUsage tokenUsage(@Nullable Usage usage) {
		if (usage == null) {
			return null;
		}
		return new TokenUsage(Math.toIntExact(usage.promptTokens()), Math.toIntExact(usage.completionTokens()),
				Math.toIntExact(usage.totalTokens()));
	}

	/**
	 * The finish reason as LangChain4j's OpenAI model reads it; another one is
	 * {@code OTHER}.
	 */
	static @Nullable FinishReason finishReason(@Nullable String finishReason) {
		if (finishReason == null) {
			return null;
		}
		return switch (finishReason) {
			case "stop" -> FinishReason.STOP;
			case "length" -> FinishReason.LENGTH;
			case "tool_calls", "function_call" -> FinishReason.TOOL_EXECUTION;
			case "content_filter" -> FinishReason.CONTENT_FILTER;
			default -> FinishReason.OTHER;
		};
	}

	private static @Nullable String id(String rawJson) {
		try {
			JsonNode body = JSON.readTree(rawJson);
			JsonNode id = (body != null) ? body.get("id") : null;
			return (id != null && id.isString()) ? id.asString() : null;
		}
		catch (JacksonException ex) {
			// The engine has read this body already; a body it took without an id has
			// none.
			return null;
		}
	}

}
