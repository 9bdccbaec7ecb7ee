package io.github.llmresilience.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * {@code /embeddings} on {@link FakeLlmServer}, injected by
 * {@link FakeLlmServerExtension}: deterministic vectors a test can assert, and the same
 * scripted faults as chat requests.
 */
@ExtendWith(FakeLlmServerExtension.class)
class EmbeddingsTests {

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private HttpResponse<String> embed(FakeLlmServer server, String body) throws IOException, InterruptedException {
		return embed(server, body, Duration.ofSeconds(10));
	}

	private HttpResponse<String> embed(FakeLlmServer server, String body, Duration timeout)
			throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(URI.create(server.baseUrl("openai") + "/embeddings"))
			.timeout(timeout)
			.header("Content-Type", "application/json")
			.POST(BodyPublishers.ofString(body))
			.build(), BodyHandlers.ofString());
	}

	private static float[] floats(JsonNode array) {
		float[] values = new float[array.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = array.get(i).floatValue();
		}
		return values;
	}

	@Test
	void answersOneDeterministicVectorPerInputInOrder(FakeLlmServer server) throws Exception {
		HttpResponse<String> response = embed(server,
				"{\"model\":\"text-embedding-3-small\",\"input\":[\"the first text\",\"the second\"]}");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode json = Chat.json(response.body());
		assertThat(json.get("object").asString()).isEqualTo("list");
		assertThat(json.get("model").asString()).isEqualTo("text-embedding-3-small");
		assertThat(json.get("data")).hasSize(2);
		assertThat(json.at("/data/1/index").asInt()).isEqualTo(1);
		assertThat(floats(json.at("/data/0/embedding")))
			.containsExactly(FakeLlmServer.embedding("the first text", FakeLlmServer.DEFAULT_DIMENSIONS));
		assertThat(floats(json.at("/data/1/embedding")))
			.containsExactly(FakeLlmServer.embedding("the second", FakeLlmServer.DEFAULT_DIMENSIONS));
		assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
		RecordedRequest request = server.requests("text-embedding-3-small").get(0);
		assertThat(request.embeddings()).isTrue();
		assertThat(request.path()).isEqualTo("/openai/v1/embeddings");
		assertThat(request.inputs()).containsExactly("the first text", "the second");
	}

	@Test
	void vectorsAreUnitLengthDifferPerInputAndRepeatForTheSameInput() {
		float[] vector = FakeLlmServer.embedding("hello", 64);
		double norm = 0;
		for (float value : vector) {
			norm += value * value;
		}
		assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
		assertThat(FakeLlmServer.embedding("hello", 64)).containsExactly(vector);
		assertThat(FakeLlmServer.embedding("hello!", 64)).isNotEqualTo(vector);
		assertThatIllegalArgumentException().isThrownBy(() -> FakeLlmServer.embedding("hello", 0));
	}

	@Test
	void aSingleStringInputAndTheRequestedDimensionsAreHonoured(FakeLlmServer server) throws Exception {
		JsonNode json = Chat.json(embed(server, "{\"model\":\"m\",\"input\":\"one text\",\"dimensions\":3}").body());
		assertThat(floats(json.at("/data/0/embedding"))).containsExactly(FakeLlmServer.embedding("one text", 3));
	}

	@Test
	void aScriptedAnswerSetsTheDimensionsTheUsageAndTheModel(FakeLlmServer server) throws Exception {
		server.model("m").enqueue(FakeResponse.embeddings().dimensions(4).usage(42, 0).reportedModel("m-2024"));
		JsonNode json = Chat.json(embed(server, "{\"model\":\"m\",\"input\":[\"x\"],\"dimensions\":3}").body());
		assertThat(json.at("/data/0/embedding")).hasSize(4);
		assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(42);
		assertThat(json.get("model").asString()).isEqualTo("m-2024");
		assertThatIllegalStateException().isThrownBy(() -> FakeResponse.status(500).dimensions(4));
	}

	@Test
	void takesTheFaultsAChatRequestTakes(FakeLlmServer server) throws Exception {
		server.model("m")
			.enqueue(FakeResponse.status(429).retryAfterSeconds(2), FakeResponse.errorInOk(503, "overloaded"),
					FakeResponse.malformed("not json"), FakeResponse.truncatedBody(),
					FakeResponse.embeddings().delay(Duration.ofMillis(200)));
		String body = "{\"model\":\"m\",\"input\":[\"a\",\"b\"]}";
		HttpResponse<String> rateLimited = embed(server, body);
		assertThat(rateLimited.statusCode()).isEqualTo(429);
		assertThat(rateLimited.headers().firstValue("Retry-After")).hasValue("2");
		assertThat(Chat.json(rateLimited.body()).at("/error/type").asString()).isNotEmpty();
		HttpResponse<String> errorInOk = embed(server, body);
		assertThat(errorInOk.statusCode()).isEqualTo(200);
		assertThat(Chat.json(errorInOk.body()).at("/error/code").asInt()).isEqualTo(503);
		assertThat(embed(server, body).body()).isEqualTo("not json");
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> embed(server, body));
		long start = System.nanoTime();
		assertThat(Chat.json(embed(server, body).body()).get("data")).hasSize(2);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
		assertThat(server.requests("m")).hasSize(5).allSatisfy((request) -> assertThat(request.embeddings()).isTrue());
	}

	@Test
	void aHangingEmbeddingsExchangeAbandonedByTheClientIsCounted(FakeLlmServer server) {
		server.model("m").enqueue(FakeResponse.hang());
		assertThatExceptionOfType(HttpTimeoutException.class)
			.isThrownBy(() -> embed(server, "{\"model\":\"m\",\"input\":[\"a\"]}", Duration.ofMillis(200)));
		await().untilAsserted(() -> assertThat(server.abandonedExchanges()).isEqualTo(1));
		assertThat(server.activeExchanges()).isZero();
	}

	@Test
	void aChatRequestIsNoEmbeddingsRequest(FakeLlmServer server) throws Exception {
		new Chat().ask(server, "m");
		RecordedRequest request = server.requests().get(0);
		assertThat(request.embeddings()).isFalse();
		assertThat(request.inputs()).isEqualTo(List.of());
	}

}
