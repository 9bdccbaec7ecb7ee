package io.github.llmresilience.testkit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import io.github.llmresilience.testkit.FakeResponse.ErrorBody;
import io.github.llmresilience.testkit.FakeResponse.ToolCall;

/**
 * Renders the OpenAI chat-completions documents the fake server writes.
 */
final class OpenAiJson {

	static final JsonMapper MAPPER = JsonMapper.builder().build();

	private OpenAiJson() {
	}

	/**
	 * A {@code chat.completion} document.
	 */
	static String completion(String id, long created, String model, @Nullable String content, List<ToolCall> toolCalls,
			String finishReason, int promptTokens, int completionTokens) {
		ObjectNode root = header(id, "chat.completion", created, model);
		ObjectNode choice = root.putArray("choices").addObject();
		choice.put("index", 0);
		ObjectNode message = choice.putObject("message");
		message.put("role", "assistant");
		message.put("content", content);
		if (!toolCalls.isEmpty()) {
			ArrayNode calls = message.putArray("tool_calls");
			for (ToolCall call : toolCalls) {
				toolCall(calls.addObject(), call);
			}
		}
		choice.putNull("logprobs");
		choice.put("finish_reason", finishReason);
		usage(root, promptTokens, completionTokens);
		return write(root);
	}

	/**
	 * A {@code chat.completion.chunk} with one choice.
	 */
	static String chunk(String id, long created, String model, ObjectNode delta, @Nullable String finishReason,
			boolean withUsageNull) {
		ObjectNode root = header(id, "chat.completion.chunk", created, model);
		ObjectNode choice = root.putArray("choices").addObject();
		choice.put("index", 0);
		choice.set("delta", delta);
		choice.putNull("logprobs");
		choice.put("finish_reason", finishReason);
		if (withUsageNull) {
			// OpenAI sends "usage": null on every chunk but the last when usage is
			// requested.
			root.putNull("usage");
		}
		return write(root);
	}

	/**
	 * The first delta of a stream carries the role, the next ones only their content.
	 */
	static ObjectNode contentDelta(String content, boolean first) {
		ObjectNode delta = MAPPER.createObjectNode();
		if (first) {
			delta.put("role", "assistant");
		}
		delta.put("content", content);
		return delta;
	}

	/**
	 * The deltas of one tool call as OpenAI streams it: a first delta with the call's
	 * index, id, type and function name and empty arguments, then one delta per piece of
	 * the arguments, with the index and that piece only. This is the shape of
	 * openai-python's {@code ChoiceDeltaToolCall} (openai/openai-python,
	 * src/openai/types/chat/chat_completion_chunk.py), as recorded from a real stream in
	 * llamastack/llama-stack, tests/integration/recordings/responses/fb785db7fafd.json
	 * (arguments {@code {"city":"Tokyo"}} sent as {@code {"}, {@code city}, {@code ":"},
	 * {@code Tokyo}, {@code "}}).
	 */
	static List<ObjectNode> toolCallDeltas(ToolCall call, int index, boolean first) {
		List<ObjectNode> deltas = new ArrayList<>();
		ObjectNode delta = MAPPER.createObjectNode();
		if (first) {
			delta.put("role", "assistant");
			delta.putNull("content");
		}
		ObjectNode entry = delta.putArray("tool_calls").addObject();
		entry.put("index", index);
		entry.put("id", call.id());
		entry.put("type", "function");
		ObjectNode function = entry.putObject("function");
		function.put("name", call.name());
		function.put("arguments", "");
		deltas.add(delta);
		for (String piece : argumentPieces(call.arguments())) {
			ObjectNode next = MAPPER.createObjectNode();
			ObjectNode nextEntry = next.putArray("tool_calls").addObject();
			nextEntry.put("index", index);
			nextEntry.putObject("function").put("arguments", piece);
			deltas.add(next);
		}
		return deltas;
	}

	/**
	 * Cut arguments as OpenAI's tokens cut them in the recorded stream: runs of letters
	 * and digits, and runs of the other characters between them.
	 */
	static List<String> argumentPieces(String arguments) {
		if (arguments.isEmpty()) {
			return List.of();
		}
		return Arrays
			.asList(arguments.split("(?<=[\\p{L}\\p{N}])(?=[^\\p{L}\\p{N}])|(?<=[^\\p{L}\\p{N}])(?=[\\p{L}\\p{N}])"));
	}

	static ObjectNode emptyDelta() {
		return MAPPER.createObjectNode();
	}

	/**
	 * The last chunk of a stream that asked for {@code stream_options.include_usage}.
	 */
	static String usageChunk(String id, long created, String model, int promptTokens, int completionTokens) {
		ObjectNode root = header(id, "chat.completion.chunk", created, model);
		root.putArray("choices");
		usage(root, promptTokens, completionTokens);
		return write(root);
	}

	/**
	 * An {@code {"error": {...}}} document.
	 */
	static String error(ErrorBody error) {
		ObjectNode root = MAPPER.createObjectNode();
		ObjectNode body = root.putObject("error");
		body.put("message", error.message());
		body.put("type", error.type());
		if (error.withParam()) {
			body.putNull("param");
		}
		Object code = error.code();
		if (code == null) {
			body.putNull("code");
		}
		else if (code instanceof Integer || code instanceof Long || code instanceof Short || code instanceof Byte) {
			body.put("code", ((Number) code).longValue());
		}
		else if (code instanceof Number number) {
			body.put("code", new BigDecimal(number.toString()));
		}
		else {
			body.put("code", code.toString());
		}
		return write(root);
	}

	/**
	 * The realistic error body of {@link FakeResponse#status(int)} for a status.
	 */
	static ErrorBody defaultError(int status, @Nullable String model) {
		String name = (model != null) ? model : "unknown";
		return switch (status) {
			case 400 -> new ErrorBody("Invalid request.", "invalid_request_error", null, true);
			case 401 -> new ErrorBody(
					"Incorrect API key provided: sk-fake**********1234. You can find your API key "
							+ "at https://platform.openai.com/account/api-keys.",
					"invalid_request_error", "invalid_api_key", true);
			case 403 -> new ErrorBody("You are not allowed to use the model `" + name + "`.", "permission_error",
					"permission_denied", true);
			case 404 -> new ErrorBody("The model `" + name + "` does not exist or you do not have access to it.",
					"invalid_request_error", "model_not_found", true);
			case 408 -> new ErrorBody("Request timed out.", "timeout_error", "request_timeout", true);
			case 409 -> new ErrorBody("The request conflicts with another request in progress.", "conflict_error",
					"conflict", true);
			case 413 -> new ErrorBody("Request too large.", "invalid_request_error", "request_too_large", true);
			case 422 -> new ErrorBody("The request could not be processed.", "invalid_request_error",
					"unprocessable_entity", true);
			case 429 -> new ErrorBody(
					"Rate limit reached for " + name + " in organization org-fake on requests per "
							+ "min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
					"requests", "rate_limit_exceeded", true);
			case 500 -> new ErrorBody("The server had an error while processing your request. Sorry about that!",
					"server_error", null, true);
			case 502 -> new ErrorBody("Bad gateway.", "server_error", "bad_gateway", true);
			case 503 -> new ErrorBody("The server is overloaded or not ready yet.", "server_error",
					"service_unavailable", true);
			case 504 -> new ErrorBody("Gateway timeout.", "server_error", "gateway_timeout", true);
			case 529 -> new ErrorBody("The server is overloaded, please try again later.", "overloaded_error",
					"overloaded", true);
			default -> (status < 500) ? new ErrorBody("HTTP " + status + ".", "invalid_request_error", null, true)
					: new ErrorBody("HTTP " + status + ".", "server_error", null, true);
		};
	}

	/**
	 * Count words, the fake server's deterministic stand-in for tokens.
	 */
	/**
	 * An embeddings list as OpenAI sends it: one {@code embedding} object per vector,
	 * with its index, then the model and the usage.
	 */
	static String embeddings(String model, List<float[]> vectors, int promptTokens) {
		ObjectNode root = MAPPER.createObjectNode();
		root.put("object", "list");
		ArrayNode data = root.putArray("data");
		for (int i = 0; i < vectors.size(); i++) {
			ObjectNode embedding = data.addObject();
			embedding.put("object", "embedding");
			embedding.put("index", i);
			ArrayNode values = embedding.putArray("embedding");
			for (float value : vectors.get(i)) {
				values.add(value);
			}
		}
		root.put("model", model);
		ObjectNode usage = root.putObject("usage");
		usage.put("prompt_tokens", promptTokens);
		usage.put("total_tokens", promptTokens);
		return write(root);
	}

	/**
	 * The inputs of an embeddings request: its {@code input} string, or each string of
	 * its {@code input} array (an array of token ids counts as the JSON text of it).
	 */
	static List<String> inputs(@Nullable JsonNode body) {
		JsonNode input = (body != null) ? body.path("input") : null;
		if (input == null || input.isMissingNode() || input.isNull()) {
			return List.of();
		}
		if (!input.isArray()) {
			return List.of(input.isString() ? input.stringValue() : write(input));
		}
		List<String> inputs = new java.util.ArrayList<>();
		for (JsonNode item : input) {
			inputs.add(item.isString() ? item.stringValue() : write(item));
		}
		return inputs;
	}

	static int words(@Nullable String text) {
		if (text == null) {
			return 0;
		}
		String trimmed = text.strip();
		return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
	}

	/**
	 * Count the words of every message's text content, plain or in text parts.
	 */
	static int promptWords(JsonNode body) {
		int count = 0;
		for (JsonNode message : body.path("messages")) {
			JsonNode content = message.path("content");
			if (content.isString()) {
				count += words(content.stringValue());
			}
			else if (content.isArray()) {
				for (JsonNode part : content) {
					JsonNode text = part.path("text");
					if (text.isString()) {
						count += words(text.stringValue());
					}
				}
			}
		}
		return count;
	}

	static String write(JsonNode node) {
		return MAPPER.writeValueAsString(node);
	}

	private static ObjectNode header(String id, String object, long created, String model) {
		ObjectNode root = MAPPER.createObjectNode();
		root.put("id", id);
		root.put("object", object);
		root.put("created", created);
		root.put("model", model);
		return root;
	}

	private static void toolCall(ObjectNode target, ToolCall call) {
		target.put("id", call.id());
		target.put("type", "function");
		ObjectNode function = target.putObject("function");
		function.put("name", call.name());
		function.put("arguments", call.arguments());
	}

	private static void usage(ObjectNode root, int promptTokens, int completionTokens) {
		ObjectNode usage = root.putObject("usage");
		usage.put("prompt_tokens", promptTokens);
		usage.put("completion_tokens", completionTokens);
		usage.put("total_tokens", promptTokens + completionTokens);
	}

}
