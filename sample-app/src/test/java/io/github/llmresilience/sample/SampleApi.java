package io.github.llmresilience.sample;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application as its tests drive it: its endpoints over HTTP, each call
 * expected to answer 200, its Prometheus scrape, and the models its policies name in
 * {@code application.yml}.
 */
public final class SampleApi {

	private final WebTestClient client;

	private final Environment environment;

	public SampleApi(WebTestClient client, Environment environment) {
		this.client = client;
		this.environment = environment;
	}

	/**
	 * Summarise a text through {@code POST /api/summaries} (policy {@code summaries}).
	 * @param text the text
	 * @return the summary
	 */
	public Summary summarise(String text) {
		return post("/api/summaries", text, Summary.class);
	}

	/**
	 * Rewrite a text through {@code POST /api/rewrites} (policy {@code rewrites}, a pool
	 * of two deployments).
	 * @param text the text
	 * @return the rewrite
	 */
	public Rewrite rewrite(String text) {
		return post("/api/rewrites", text, Rewrite.class);
	}

	/**
	 * Write a headline through {@code POST /api/headlines} (policy {@code default}, a
	 * blocking call).
	 * @param text the text
	 * @return the headline
	 */
	public Headline headline(String text) {
		return post("/api/headlines", text, Headline.class);
	}

	/**
	 * Answer a question through {@code POST /api/answers} (policy {@code default},
	 * through Spring AI's {@code ChatClient}).
	 * @param text the question
	 * @return the answer
	 */
	public Answer answer(String text) {
		return post("/api/answers", text, Answer.class);
	}

	/**
	 * Embed texts through {@code POST /api/embeddings} (policy {@code embeddings}).
	 * @param texts the texts
	 * @return their embeddings
	 */
	public Embeddings embed(List<String> texts) {
		return post("/api/embeddings", Map.of("texts", texts), Embeddings.class);
	}

	/**
	 * Start a chat stream through {@code GET /api/chat/stream} (policy {@code chat}).
	 * @param prompt the prompt
	 * @return the exchange, its status not yet checked
	 */
	public WebTestClient.ResponseSpec chat(String prompt) {
		return this.client.get()
			.uri("/api/chat/stream?prompt={prompt}", prompt)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange();
	}

	/**
	 * Stream a chat answer that is expected to start.
	 * @param prompt the prompt
	 * @return its events, as they come
	 */
	public Flux<ServerSentEvent<Delta>> chatEvents(String prompt) {
		return chat(prompt).expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<Delta>>() {
			})
			.getResponseBody();
	}

	/**
	 * Read {@code /actuator/prometheus}.
	 * @return the scrape
	 */
	public String scrape() {
		return this.client.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	/**
	 * Return the value of the one sample of a meter whose labels include the given ones.
	 * @param scrape a scrape
	 * @param name the sample's name
	 * @param labels {@code name="value"} pairs its labels must include
	 * @return its value
	 */
	public static double sample(String scrape, String name, String... labels) {
		List<String> lines = scrape.lines()
			.filter((line) -> line.startsWith(name + "{"))
			.filter((line) -> Arrays.stream(labels).allMatch(line::contains))
			.toList();
		assertThat(lines).as("samples of %s with %s", name, Arrays.toString(labels)).hasSize(1);
		String line = lines.get(0);
		return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
	}

	/**
	 * The primary model of a policy.
	 * @param policy the policy
	 * @return its {@code model}
	 */
	public String model(String policy) {
		return this.environment.getRequiredProperty("llm.policies." + policy + ".model");
	}

	/**
	 * The model of a policy's first fallback.
	 * @param policy the policy
	 * @return its {@code fallbacks[0].model}
	 */
	public String fallbackModel(String policy) {
		return this.environment.getRequiredProperty("llm.policies." + policy + ".fallbacks[0].model");
	}

	/**
	 * Script the next calls' attempts on the policy's primary to fail, on the demo's fake
	 * server: a 429 that asks for 20 ms, then two 503s, so that each call retries twice
	 * and then falls back.
	 * @param server the demo's server
	 * @param policy the policy
	 * @param calls how many calls
	 */
	public void outageOfPrimary(FakeLlmServer server, String policy, int calls) {
		for (int i = 0; i < calls; i++) {
			server.model(model(policy))
				.enqueue(FakeResponse.status(429).retryAfterMillis(20), FakeResponse.status(503),
						FakeResponse.status(503));
		}
	}

	private <T> T post(String uri, String text, Class<T> type) {
		return post(uri, Map.of("text", text), type);
	}

	private <T> T post(String uri, Map<String, ?> body, Class<T> type) {
		return this.client.post()
			.uri(uri)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(type)
			.returnResult()
			.getResponseBody();
	}

}
