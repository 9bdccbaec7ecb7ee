package io.github.llmresilience.client;

import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a provider's description of a failure from every body shape real providers send:
 * <ul>
 * <li>{@code {"error":{"message","type","param","code"}}} (OpenAI and most compatible
 * servers);</li>
 * <li>{@code {"type":"error","error":{"type","message"}}} (Anthropic);</li>
 * <li>{@code [{"error":{"code","message","status"}}]} (Gemini's OpenAI-compatible
 * endpoint);</li>
 * <li>{@code {"error":"text"}} (Ollama, Fireworks, older LM Studio), with a
 * {@code message} beside it if there is one;</li>
 * <li>{@code {"object":"error","message","type","code"}} (vLLM, Mistral) and
 * {@code {"message":…}} alone (Mistral's gateway), also with {@code status} and
 * {@code detail};</li>
 * <li>an upstream's error nested by OpenRouter in {@code error.metadata.raw}, as JSON
 * text or as plain text;</li>
 * <li>HTML pages and plain text from proxies, summarised to their title or text.</li>
 * </ul>
 * A {@code code} is read as JSON: a number, a numeric string or a word. Nothing here
 * throws: a body that cannot be read gives an error with no code, and its status decides.
 */
final class ErrorBodies {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private static final int LONGEST_MESSAGE = 300;

	private static final Pattern TITLE = Pattern.compile("<title[^>]*>(.*?)</title>",
			Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

	private static final Pattern NOT_SHOWN = Pattern.compile("<(script|style|head)[^>]*>.*?</\\1>|<!--.*?-->",
			Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

	private static final Pattern TAG = Pattern.compile("<[^>]*>");

	private static final Pattern BLANKS = Pattern.compile("\\s+");

	private static final String RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";

	private ErrorBodies() {
	}

	/**
	 * Read the error of a body of any status.
	 * @param body the body's bytes
	 * @param charset the charset its {@code Content-Type} names, or {@code null} for
	 * UTF-8
	 * @return the error, {@link ProviderError#NONE} for an empty body
	 */
	static ProviderError read(byte[] body, @Nullable Charset charset) {
		if (body.length == 0) {
			return ProviderError.NONE;
		}
		JsonNode node = readJson(body);
		if (node != null) {
			ProviderError error = find(node);
			if (error != null) {
				return error;
			}
		}
		String text = new String(body, (charset != null) ? charset : StandardCharsets.UTF_8);
		return new ProviderError(null, null, summary(text), null);
	}

	/**
	 * Find the error object of a parsed body, in any of the shapes above.
	 * @param node the parsed body
	 * @return the error, or {@code null} if the body carries none
	 */
	static @Nullable ProviderError find(JsonNode node) {
		if (node.isArray()) {
			return (!node.isEmpty()) ? find(node.get(0)) : null;
		}
		if (!node.isObject()) {
			return null;
		}
		JsonNode error = node.get("error");
		if (error != null && error.isObject()) {
			JsonNode nested = error.get("error");
			if (nested != null && nested.isObject()) {
				// {"error":{"error":{...},"code":402}}: the inner object, with the outer
				// code as a fallback.
				return withFallbackCode(errorObject(nested), errorObject(error));
			}
			return errorObject(error);
		}
		if (error != null && error.isString()) {
			// {"error":"text"}, or {"error":"Too Many Requests","message":"..."} where
			// the message says more.
			String message = text(node, "message");
			return new ProviderError(codeText(node.get("code")), type(node),
					(message != null) ? message : error.asString(), number(node.get("code"), node.get("status")), null,
					List.of(), null);
		}
		if (error != null && !error.isNull() && !error.isMissingNode()) {
			return new ProviderError(null, null, summary(error.toString()), null);
		}
		if ("error".equals(text(node, "object")) || node.has("message") || node.has("detail")) {
			return errorObject(node);
		}
		return null;
	}

	/**
	 * Read an error object: {@code message}, {@code code}, {@code type}, Google's
	 * {@code status} and {@code details}, Azure's {@code innererror}, Anthropic's
	 * {@code details.error_code} and an upstream error in OpenRouter's
	 * {@code metadata.raw}.
	 */
	private static ProviderError errorObject(JsonNode error) {
		JsonNode codeNode = error.get("code");
		JsonNode statusNode = error.get("status");
		String message = text(error, "message");
		if (message == null) {
			JsonNode detail = error.get("detail");
			message = (detail != null && detail.isString()) ? detail.asString()
					: (detail != null && !detail.isNull() && !detail.isMissingNode()) ? summary(detail.toString())
							: null;
		}
		List<String> detailCodes = new ArrayList<>();
		Duration retryDelay = null;
		JsonNode inner = error.get("innererror");
		if (inner != null && inner.isObject() && text(inner, "code") != null) {
			detailCodes.add(text(inner, "code"));
		}
		JsonNode details = error.get("details");
		if (details != null && details.isObject() && text(details, "error_code") != null) {
			detailCodes.add(text(details, "error_code"));
		}
		if (details != null && details.isArray()) {
			for (JsonNode detail : details) {
				if (detail.isObject() && RETRY_INFO.equals(text(detail, "@type"))) {
					retryDelay = protobufDuration(text(detail, "retryDelay"));
				}
			}
		}
		ProviderError own = new ProviderError(codeText(codeNode), type(error), message, number(codeNode, statusNode),
				(statusNode != null && statusNode.isString()) ? statusNode.asString() : null, detailCodes, retryDelay);
		ProviderError upstream = upstream(error);
		return (upstream != null) ? withFallbackCode(upstream, own) : own;
	}

	/**
	 * OpenRouter's {@code error.metadata.raw}: the upstream provider's own answer, as
	 * JSON text, a JSON object or plain text. It says more than OpenRouter's "Provider
	 * returned error".
	 */
	private static @Nullable ProviderError upstream(JsonNode error) {
		JsonNode metadata = error.get("metadata");
		JsonNode raw = (metadata != null && metadata.isObject()) ? metadata.get("raw") : null;
		if (raw == null || raw.isNull() || raw.isMissingNode()) {
			return null;
		}
		if (raw.isString()) {
			String text = raw.asString();
			JsonNode parsed = readJson(text.getBytes(StandardCharsets.UTF_8));
			ProviderError upstream = (parsed != null) ? find(parsed) : null;
			if (upstream != null) {
				return upstream;
			}
			return text.isBlank() ? null : new ProviderError(null, null, summary(text), null);
		}
		return raw.isContainer() ? find(raw) : null;
	}

	/**
	 * An upstream or inner error, with what the outer error says where the inner one says
	 * nothing: its code and numeric code (OpenRouter's {@code code} is the status it
	 * answered with), its message, its wait.
	 */
	private static ProviderError withFallbackCode(ProviderError inner, ProviderError outer) {
		boolean innerHasCode = inner.code() != null || inner.type() != null;
		List<String> detailCodes = new ArrayList<>(inner.detailCodes());
		detailCodes.addAll(outer.detailCodes());
		return new ProviderError(innerHasCode ? inner.code() : outer.code(), innerHasCode ? inner.type() : outer.type(),
				(inner.message() != null) ? inner.message() : outer.message(),
				(outer.numericCode() != null) ? outer.numericCode() : inner.numericCode(),
				(inner.status() != null) ? inner.status() : outer.status(), detailCodes,
				(inner.retryDelay() != null) ? inner.retryDelay() : outer.retryDelay());
	}

	private static @Nullable String type(JsonNode node) {
		String type = text(node, "type");
		// Together's gateway writes "type_".
		return (type != null) ? type : text(node, "type_");
	}

	/**
	 * A {@code code} as text, whatever its JSON type: {@code 429}, {@code "429"} and
	 * {@code "insufficient_quota"} all have one.
	 */
	private static @Nullable String codeText(@Nullable JsonNode code) {
		if (code == null || code.isNull() || code.isMissingNode() || code.isContainer()) {
			return null;
		}
		if (code.isIntegralNumber()) {
			return code.bigIntegerValue().toString();
		}
		if (code.isNumber()) {
			return code.decimalValue().stripTrailingZeros().toPlainString();
		}
		String text = code.asString().strip();
		return text.isEmpty() ? null : text;
	}

	/**
	 * The first whole number among the nodes: a JSON number or a string of digits.
	 */
	private static @Nullable Integer number(@Nullable JsonNode... nodes) {
		for (JsonNode node : nodes) {
			if (node == null) {
				continue;
			}
			if (node.isIntegralNumber() && node.canConvertToInt()) {
				return node.asInt();
			}
			if (node.isString()) {
				String text = node.asString().strip();
				if (!text.isEmpty() && text.length() <= 9 && text.chars().allMatch(Character::isDigit)) {
					return Integer.parseInt(text);
				}
			}
		}
		return null;
	}

	/**
	 * A protobuf {@code Duration} in its JSON form: decimal seconds with an {@code s},
	 * such as {@code 26s} or {@code 45.837906927s}.
	 */
	static @Nullable Duration protobufDuration(@Nullable String value) {
		if (value == null) {
			return null;
		}
		String text = value.strip();
		if (!text.endsWith("s")) {
			return null;
		}
		try {
			BigDecimal seconds = new BigDecimal(text.substring(0, text.length() - 1));
			if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(365L * 24 * 3600)) > 0) {
				return null;
			}
			return Duration.ofNanos(seconds.movePointRight(9).longValue());
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static @Nullable String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString()) ? value.asString() : null;
	}

	private static @Nullable JsonNode readJson(byte[] body) {
		try {
			JsonNode node = MAPPER.readTree(body);
			return (node == null || node.isMissingNode()) ? null : node;
		}
		catch (JacksonException ex) {
			// Not JSON: a proxy's page or plain text.
			return null;
		}
	}

	/**
	 * A short text for a body that is not JSON: an HTML page's title (or its visible text
	 * when it has none), otherwise the text itself, on one line and abbreviated.
	 */
	static String summary(String body) {
		String text = body;
		if (text.indexOf('<') >= 0 && text.indexOf('>') > 0) {
			Matcher title = TITLE.matcher(text);
			if (title.find() && !title.group(1).isBlank()) {
				text = title.group(1);
			}
			else {
				text = TAG.matcher(NOT_SHOWN.matcher(text).replaceAll(" ")).replaceAll(" ");
			}
			text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"");
		}
		text = BLANKS.matcher(text).replaceAll(" ").strip();
		return (text.length() <= LONGEST_MESSAGE) ? text : text.substring(0, LONGEST_MESSAGE) + "...";
	}

	static String lower(@Nullable String text) {
		return (text != null) ? text.toLowerCase(Locale.ROOT) : "";
	}

}
