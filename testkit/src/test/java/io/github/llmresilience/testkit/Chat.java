package io.github.llmresilience.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A minimal chat client on {@link HttpClient}, so that the fake server is tested without
 * the project's own client.
 */
final class Chat {

	static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	HttpClient client() {
		return this.client;
	}

	HttpResponse<String> send(String baseUrl, String body) throws IOException, InterruptedException {
		return this.client.send(request(baseUrl, body).build(), BodyHandlers.ofString());
	}

	HttpResponse<String> ask(FakeLlmServer server, String model) throws IOException, InterruptedException {
		return send(server.baseUrl(), body(model, "Say hello to the world"));
	}

	HttpResponse<String> askStream(FakeLlmServer server, String model, boolean includeUsage)
			throws IOException, InterruptedException {
		return send(server.baseUrl(), streamBody(model, "Tell me a story", includeUsage));
	}

	static HttpRequest.Builder request(String baseUrl, String body) {
		return HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
			.timeout(Duration.ofSeconds(10))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer sk-test")
			.POST(BodyPublishers.ofString(body));
	}

	static String body(String model, String prompt) {
		return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
	}

	static String streamBody(String model, String prompt, boolean includeUsage) {
		return "{\"model\":\"" + model + "\",\"stream\":true"
				+ (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
				+ ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
	}

	static JsonNode json(String text) {
		return JSON.readTree(text);
	}

	/**
	 * The data of each server-sent event, parsed by hand: events end at a blank line,
	 * comment lines start with a colon, and events without data are skipped.
	 */
	static List<String> events(String stream) {
		List<String> events = new ArrayList<>();
		StringBuilder data = null;
		for (String line : stream.split("\r\n|\n", -1)) {
			if (line.isEmpty()) {
				if (data != null) {
					events.add(data.toString());
				}
				data = null;
			}
			else if (line.startsWith("data:")) {
				String value = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
				data = (data != null) ? data.append('\n').append(value) : new StringBuilder(value);
			}
		}
		return events;
	}

	/**
	 * The {@code delta.content} of every content chunk.
	 */
	static List<String> contents(List<String> events) {
		List<String> contents = new ArrayList<>();
		for (String event : events) {
			if (!event.equals("[DONE]")) {
				JsonNode delta = json(event).path("choices").path(0).path("delta").path("content");
				if (delta.isString()) {
					contents.add(delta.stringValue());
				}
			}
		}
		return contents;
	}

}
