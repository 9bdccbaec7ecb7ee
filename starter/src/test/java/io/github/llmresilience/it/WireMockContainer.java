package io.github.llmresilience.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * WireMock, the standalone server, in a container of the image that
 * {@code docker/wiremock/build-image.sh} builds locally. It runs on the host's network,
 * bound to 127.0.0.1 on a free port, and is driven through its admin API over plain HTTP,
 * so the tests' classpath holds nothing of WireMock's.
 */
public final class WireMockContainer extends LocalImageContainer<WireMockContainer> {

	/**
	 * The image, as the build names it (system property {@code wiremock.image}).
	 */
	public static final String IMAGE = System.getProperty("wiremock.image", "llm-resilience/wiremock:3.13.2");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	public WireMockContainer() {
		super(IMAGE, "docker/wiremock/build-image.sh", ".*The WireMock server is started.*", "wiremock");
		withCommand("--port", String.valueOf(port()), "--bind-address", "127.0.0.1", "--disable-banner");
	}

	/**
	 * Return the base URL of an OpenAI-compatible provider served under a path prefix.
	 * @param prefix the path prefix, such as {@code primary}
	 * @return the base URL, to which the client appends {@code /chat/completions}
	 */
	public String baseUrl(String prefix) {
		return "http://127.0.0.1:" + port() + "/" + prefix + "/v1";
	}

	/**
	 * Forget every stub, scenario state and logged request.
	 */
	public void reset() {
		send(HttpRequest.newBuilder(admin("reset")).POST(HttpRequest.BodyPublishers.noBody()), 200);
	}

	/**
	 * Add a stub mapping.
	 * @param stub the stub
	 */
	public void stub(Stub stub) {
		send(HttpRequest.newBuilder(admin("mappings"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(stub.toMapping()))), 201);
	}

	/**
	 * Add stub mappings that answer one request each, in turn: the first request as the
	 * first stub says, the next as the second, and so on, in a WireMock scenario of the
	 * given name. A request after the last finds no stub.
	 * @param scenario the scenario's name
	 * @param stubs the stubs, in the order they answer
	 */
	public void stubInTurn(String scenario, Stub... stubs) {
		for (int i = 0; i < stubs.length; i++) {
			String state = (i == 0) ? Stub.STARTED : "answered-" + i;
			stub(stubs[i].inScenario(scenario, state, "answered-" + (i + 1)));
		}
	}

	/**
	 * Return the requests WireMock received under a path prefix, oldest first, from its
	 * request journal.
	 * @param prefix the path prefix, such as {@code primary}
	 * @return the logged requests
	 */
	public List<LoggedRequest> requests(String prefix) {
		JsonNode journal = JSON.readTree(send(HttpRequest.newBuilder(admin("requests")).GET(), 200));
		List<LoggedRequest> requests = new ArrayList<>();
		for (JsonNode event : journal.path("requests").values()) {
			JsonNode request = event.path("request");
			String url = request.path("url").asString();
			if (url.startsWith("/" + prefix + "/")) {
				Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
				request.path("headers")
					.properties()
					.forEach((header) -> headers.put(header.getKey(), header.getValue().isArray()
							? header.getValue().get(0).asString() : header.getValue().asString()));
				requests.add(new LoggedRequest(request.path("method").asString(), url,
						Instant.ofEpochMilli(request.path("loggedDate").asLong()), headers,
						JSON.readTree(request.path("body").asString("{}"))));
			}
		}
		// The journal lists the newest first.
		Collections.reverse(requests);
		return requests;
	}

	private URI admin(String path) {
		return URI.create("http://127.0.0.1:" + port() + "/__admin/" + path);
	}

	private String send(HttpRequest.Builder request, int expectedStatus) {
		try {
			HttpResponse<String> response = this.http.send(request.timeout(Duration.ofSeconds(10)).build(),
					HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != expectedStatus) {
				throw new IllegalStateException(
						"WireMock's admin API answered " + response.statusCode() + ": " + response.body());
			}
			return response.body();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A request in WireMock's journal.
	 *
	 * @param method the HTTP method
	 * @param url the path and query
	 * @param loggedDate when WireMock received it
	 * @param headers the headers, by case-insensitive name
	 * @param body the JSON body
	 */
	public record LoggedRequest(String method, String url, Instant loggedDate, Map<String, String> headers,
			JsonNode body) {

		public String header(String name) {
			return this.headers.get(name);
		}

		/**
		 * Return the time between each request and the next.
		 * @param requests the requests, oldest first
		 * @return the gaps
		 */
		public static List<Duration> gaps(List<LoggedRequest> requests) {
			List<Duration> gaps = new ArrayList<>();
			for (int i = 1; i < requests.size(); i++) {
				gaps.add(Duration.between(requests.get(i - 1).loggedDate(), requests.get(i).loggedDate()));
			}
			return gaps;
		}

	}

}
