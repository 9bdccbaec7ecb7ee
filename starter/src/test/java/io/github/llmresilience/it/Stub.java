package io.github.llmresilience.it;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A WireMock stub mapping for an OpenAI-compatible {@code /chat/completions} endpoint,
 * written as the JSON that WireMock's admin API takes, plus the OpenAI bodies the tests
 * answer with.
 */
public final class Stub {

	/**
	 * The state every WireMock scenario starts in.
	 */
	public static final String STARTED = "Started";

	private final Map<String, Object> mapping = new LinkedHashMap<>();

	private final Map<String, Object> response = new LinkedHashMap<>();

	private final Map<String, String> headers = new LinkedHashMap<>();

	private Stub(String prefix) {
		this.mapping.put("request", Map.of("method", "POST", "urlPath", "/" + prefix + "/v1/chat/completions"));
		this.mapping.put("response", this.response);
	}

	/**
	 * Stub the chat completions endpoint of the provider served under a path prefix.
	 * @param prefix the path prefix
	 * @return the stub, answering 200 with no body until told otherwise
	 */
	public static Stub chatCompletions(String prefix) {
		return new Stub(prefix);
	}

	/**
	 * Apply the stub only in one state of a scenario, and move the scenario on when it
	 * applies.
	 * @param scenario the scenario's name
	 * @param state the state in which the stub applies
	 * @param nextState the state the scenario moves to
	 * @return this stub
	 */
	public Stub inScenario(String scenario, String state, String nextState) {
		this.mapping.put("scenarioName", scenario);
		this.mapping.put("requiredScenarioState", state);
		this.mapping.put("newScenarioState", nextState);
		return this;
	}

	public Stub status(int status) {
		this.response.put("status", status);
		return this;
	}

	public Stub header(String name, String value) {
		this.headers.put(name, value);
		return this;
	}

	public Stub body(String contentType, String body) {
		header("Content-Type", contentType);
		this.response.put("body", body);
		return this;
	}

	public Stub json(String body) {
		return body("application/json", body);
	}

	/**
	 * Answer after a delay.
	 * @param delay the delay before the response starts
	 * @return this stub
	 */
	public Stub fixedDelay(Duration delay) {
		this.response.put("fixedDelayMilliseconds", delay.toMillis());
		return this;
	}

	/**
	 * Send the body in pieces cut at arbitrary bytes, spread over a duration.
	 * @param pieces how many pieces
	 * @param total the time from the first piece to the last
	 * @return this stub
	 */
	public Stub dribble(int pieces, Duration total) {
		this.response.put("chunkedDribbleDelay", Map.of("numberOfChunks", pieces, "totalDuration", total.toMillis()));
		return this;
	}

	/**
	 * Answer with a network fault instead of a response.
	 * @param fault a WireMock fault, such as {@code CONNECTION_RESET_BY_PEER}
	 * @return this stub
	 */
	public Stub fault(String fault) {
		this.response.put("fault", fault);
		return this;
	}

	/**
	 * Answer as OpenAI does when the requests per minute are used up: 429 with
	 * {@code Retry-After: 1} and the rate-limit error body
	 * (https://platform.openai.com/docs/guides/error-codes/api-errors).
	 * @return this stub
	 */
	public Stub rateLimited() {
		return status(429).header("Retry-After", "1").json(error("Rate limit reached for requests", "requests"));
	}

	/**
	 * Answer as OpenAI does when its servers are overloaded: 503 with the server error
	 * body (https://platform.openai.com/docs/guides/error-codes/api-errors).
	 * @return this stub
	 */
	public Stub overloaded() {
		return status(503).json(error("The server is overloaded or not ready yet.", "server_error"));
	}

	Map<String, Object> toMapping() {
		if (!this.headers.isEmpty()) {
			this.response.put("headers", this.headers);
		}
		return this.mapping;
	}

	/**
	 * Return a chat completion as OpenAI sends it.
	 * @param model the model the server reports
	 * @param content the assistant's text
	 * @return the JSON body
	 */
	public static String completion(String model, String content) {
		return """
				{"id":"chatcmpl-it","object":"chat.completion","created":1700000000,"model":"%s",
				 "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],
				 "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}""".formatted(model, content);
	}

	/**
	 * Return an error body as OpenAI sends it.
	 * @param message the error message
	 * @param type the error type
	 * @return the JSON body
	 */
	public static String error(String message, String type) {
		return """
				{"error":{"message":"%s","type":"%s","param":null,"code":null}}""".formatted(message, type);
	}

	/**
	 * Return a streamed answer as OpenAI sends it: a first event with the role, one event
	 * per piece of text, one with the finish reason, one with the usage, then
	 * {@code [DONE]}.
	 * @param model the model the server reports
	 * @param texts the pieces of text
	 * @return the {@code text/event-stream} body
	 */
	public static String eventStream(String model, List<String> texts) {
		String chunk = "{\"id\":\"chatcmpl-it\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
				+ "\"model\":\"" + model + "\",\"choices\":[%s]%s}";
		String choice = "{\"index\":0,\"delta\":%s,\"finish_reason\":%s}";
		Stream<String> events = Stream
			.of(Stream.of(chunk.formatted(choice.formatted("{\"role\":\"assistant\",\"content\":\"\"}", "null"), "")),
					texts.stream()
						.map((text) -> chunk.formatted(choice.formatted("{\"content\":\"" + text + "\"}", "null"), "")),
					Stream.of(chunk.formatted(choice.formatted("{}", "\"stop\""), ""),
							chunk.formatted("",
									",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":" + texts.size()
											+ ",\"total_tokens\":" + (9 + texts.size()) + "}"),
							"[DONE]"))
			.flatMap((stream) -> stream);
		return events.map((data) -> "data: " + data + "\n\n").collect(Collectors.joining());
	}

}
