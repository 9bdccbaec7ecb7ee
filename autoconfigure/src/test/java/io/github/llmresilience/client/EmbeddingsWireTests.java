package io.github.llmresilience.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.Usage;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embeddings wire format: what a request looks like on the wire, and real providers'
 * answers, replayed byte for byte, read into vectors, usage and the reported model. Where
 * each answer was seen is written next to its test; the answers are in
 * {@code providers/<provider>/embeddings*.json}.
 */
class EmbeddingsWireTests {

	private static FakeLlmServer server;

	private ProviderClients clients;

	@BeforeAll
	static void startServer() {
		server = FakeLlmServer.start();
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@AfterEach
	void closeClients() {
		server.reset();
		if (this.clients != null) {
			this.clients.close();
		}
	}

	private ProviderClient client() {
		this.clients = ProviderClientsFixture.clients(ProviderSettings.of("openai", server.baseUrl(), "sk-wire"));
		return this.clients.get("openai");
	}

	private EmbeddingResponse replay(String file, String model) {
		server.model(model).enqueue(FakeResponse.raw(200, answer(file)).header("Content-Type", "application/json"));
		return client().embed(model, EmbeddingRequest.of("The food was delicious and the waiter..."), null)
			.block(Duration.ofSeconds(10));
	}

	private static byte[] answer(String file) {
		try (InputStream in = EmbeddingsWireTests.class.getResourceAsStream("/providers/" + file)) {
			assertThat(in).as(file).isNotNull();
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Test
	void aRequestCarriesTheModelTheInputsInOrderTheDimensionsAndTheUser() {
		StepVerifier
			.create(client().embed("text-embedding-3-small", EmbeddingRequest.of("first", "second").user("user-7"),
					256))
			.assertNext((response) -> assertThat(response.dimensions()).isEqualTo(256))
			.verifyComplete();
		RecordedRequest request = server.requests().get(0);
		assertThat(request.path()).isEqualTo("/v1/embeddings");
		assertThat(request.json().toString())
			.isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":[\"first\",\"second\"],\"dimensions\":256,"
					+ "\"user\":\"user-7\"}");
	}

	@Test
	void aRequestWithoutDimensionsOrUserLeavesThemOut() {
		client().embed("text-embedding-3-small", EmbeddingRequest.of("only"), null).block(Duration.ofSeconds(10));
		assertThat(server.requests().get(0).json().toString())
			.isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":[\"only\"]}");
	}

	/**
	 * OpenAI's documented answer,
	 * https://platform.openai.com/docs/api-reference/embeddings/create, with its elided
	 * floats ("... (1536 floats total for ada-002)") and the trailing comma they leave
	 * taken out.
	 */
	@Test
	void readsOpenAisAnswer() {
		EmbeddingResponse response = replay("openai/embeddings.json", "text-embedding-ada-002");
		assertThat(response.vector(0)).containsExactly(0.0023064255f, -0.009327292f, -0.0028842222f);
		assertThat(response.usage()).isEqualTo(new Usage(8, 0, 8));
		assertThat(response.model()).isEqualTo("text-embedding-ada-002");
		assertThat(response.served()).isEqualTo(new Served("openai", "text-embedding-ada-002", 1, false));
	}

	/**
	 * Azure OpenAI's documented answer, which has no usage,
	 * https://learn.microsoft.com/en-us/azure/ai-services/openai/reference#embeddings
	 * (MicrosoftDocs/azure-docs, articles/ai-services/openai/reference.md), with its
	 * elided floats and the trailing comma taken out.
	 */
	@Test
	void readsAzureOpenAisAnswerWithoutUsage() {
		EmbeddingResponse response = replay("azure/embeddings.json", "ada");
		assertThat(response.vector(0)).containsExactly(0.018990106880664825f, -0.0073809814639389515f,
				0.021276434883475304f);
		assertThat(response.usage()).isNull();
		assertThat(response.model()).isEqualTo("text-similarity-babbage:001");
	}

	/**
	 * vLLM's answer to a request for 32 dimensions, as its documentation shows it,
	 * https://github.com/vllm-project/vllm/blob/main/docs/models/pooling_models.md
	 * (Matryoshka Embeddings, online inference): an {@code id}, {@code created}, and
	 * {@code completion_tokens} in the usage.
	 */
	@Test
	void readsVllmsAnswer() {
		EmbeddingResponse response = replay("vllm/embeddings.json", "jinaai/jina-embeddings-v3");
		assertThat(response.dimensions()).isEqualTo(32);
		assertThat(response.vector(0)[0]).isEqualTo(-0.3828125f);
		assertThat(response.vector(0)[31]).isEqualTo(0.23046875f);
		assertThat(response.usage()).isEqualTo(new Usage(8, 0, 8));
		assertThat(response.model()).isEqualTo("jinaai/jina-embeddings-v3");
	}

	/**
	 * Ollama's answer on its OpenAI-compatible endpoint, as
	 * https://github.com/ollama/ollama/issues/5870 shows it: no usage, no id; the
	 * reporter emptied the vector with jq. Its shape is read, and an empty vector is no
	 * answer: a {@code malformed-response}, which falls back.
	 */
	@Test
	void readsOllamasShapeAndRefusesAnEmptyVector() {
		server.model("chatfire/bge-m3:q8_0")
			.enqueue(FakeResponse.raw(200, answer("ollama/embeddings-vector-removed.json"))
				.header("Content-Type", "application/json"));
		StepVerifier
			.create(client().embed("chatfire/bge-m3:q8_0", EmbeddingRequest.of("Your text string goes here"), null))
			.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOfSatisfying(LlmException.class, (llm) -> {
				assertThat(llm.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
				assertThat(llm.getMessage()).contains("empty");
			}))
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void vectorsArePlacedByTheirIndexNotByTheirPosition() {
		server.model("m")
			.enqueue(FakeResponse.raw(200, "{\"object\":\"list\",\"data\":[{\"index\":1,\"embedding\":[2.0]},"
					+ "{\"index\":0,\"embedding\":[1.0]}],\"model\":\"m\"}"));
		EmbeddingResponse response = client().embed("m", EmbeddingRequest.of("a", "b"), null)
			.block(Duration.ofSeconds(10));
		assertThat(response.vector(0)).containsExactly(1.0f);
		assertThat(response.vector(1)).containsExactly(2.0f);
	}

	@Test
	void anAnswerWithAnotherNumberOfVectorsThanInputsIsMalformed() {
		server.model("m")
			.enqueue(FakeResponse.raw(200, "{\"object\":\"list\",\"data\":[{\"index\":0,\"embedding\":[1.0]}]}"));
		StepVerifier.create(client().embed("m", EmbeddingRequest.of("a", "b"), null))
			.expectErrorSatisfies(
					(failure) -> assertThat(((LlmException) failure).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE))
			.verify(Duration.ofSeconds(10));
	}

}
