package io.github.llmresilience.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real answers of real providers, replayed byte for byte on a socket, to chat, streaming
 * and embeddings requests alike (the entries whose {@code request} is {@code embeddings}
 * answered an embeddings request): each is classified as the Providers section of
 * docs/reference/behaviour.md says, with the provider's code and message and the wait the
 * server asked for. The answers, their headers and where each was seen are in
 * {@code providers/index.json}.
 */
class ProviderCatalogueTests extends ProviderClientTestSupport {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String KEY = "sk-catalogue-0123456789";

	private static final Instant DEFAULT_NOW = Instant.parse("2025-01-01T00:00:00Z");

	static Stream<Fixture> fixtures() {
		try (InputStream in = resource("index.json")) {
			JsonNode index = JSON.readTree(in);
			List<Fixture> fixtures = new ArrayList<>();
			for (JsonNode entry : index) {
				fixtures.add(Fixture.of(entry));
			}
			return fixtures.stream();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static Stream<Fixture> answers() {
		// A stream of events answers a streaming request only.
		return fixtures().filter((fixture) -> !fixture.stream());
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("answers")
	void nonStreamingRequestGetsTheKindTheMessageAndTheWait(Fixture fixture) {
		ProviderClient client = answeredBy(fixture);
		LlmException failure = failureOf(client.chat(fixture.id(), request()).then());
		fixture.check(failure);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("answers")
	void embeddingsRequestGetsTheSameClassification(Fixture fixture) {
		ProviderClient client = answeredBy(fixture);
		LlmException failure = failureOf(client.embed(fixture.id(), EmbeddingRequest.of("Hello there"), null).then());
		fixture.check(failure);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("fixtures")
	void streamingRequestGetsTheSameClassification(Fixture fixture) {
		ProviderClient client = answeredBy(fixture);
		List<String> chunks = new ArrayList<>();
		LlmException failure = failureOf(
				client.stream(fixture.id(), request()).doOnNext((chunk) -> chunks.add(chunk.text())).then());
		fixture.check(failure);
		assertThat(chunks).as("chunks delivered before the error").isEqualTo(fixture.chunks());
	}

	/**
	 * Return a client of the fixture's provider, at the fixture's time, whose next
	 * request the server answers with the fixture's recorded answer.
	 */
	private ProviderClient answeredBy(Fixture fixture) {
		ProviderClient client = client(fixture);
		this.server.model(fixture.id()).enqueue(fixture.response());
		return client;
	}

	private ProviderClient client(Fixture fixture) {
		String provider = fixture.id().substring(0, fixture.id().indexOf('/'));
		ProviderSettings settings = ProviderSettings.of(provider, this.server.baseUrl(), KEY);
		return client(ProviderClientsFixture.clients(settings, Clock.fixed(fixture.now(), ZoneOffset.UTC)), provider);
	}

	private static ChatRequest request() {
		return ChatRequest.builder().user("Hello there").build();
	}

	private static InputStream resource(String name) {
		InputStream in = ProviderCatalogueTests.class.getResourceAsStream("/providers/" + name);
		if (in == null) {
			throw new IllegalStateException("No test resource providers/" + name);
		}
		return in;
	}

	/**
	 * One recorded answer and what it must become.
	 */
	record Fixture(String id, int status, Map<String, String> headers, String contentType, byte[] body, boolean stream,
			Instant now, FailureKind kind, int expectedStatus, @Nullable String code, @Nullable String message,
			@Nullable String messageContains, @Nullable Long waitMillis, @Nullable Boolean serverRetryHint,
			List<String> chunks) {

		static Fixture of(JsonNode entry) throws IOException {
			byte[] body;
			try (InputStream in = resource(entry.get("file").asString())) {
				body = in.readAllBytes();
			}
			JsonNode expect = entry.get("expect");
			Map<String, String> headers = new java.util.LinkedHashMap<>();
			JsonNode headerNode = entry.get("headers");
			if (headerNode != null) {
				headerNode.properties().forEach((header) -> headers.put(header.getKey(), header.getValue().asString()));
			}
			List<String> chunks = new ArrayList<>();
			if (expect.has("chunks")) {
				expect.get("chunks").forEach((chunk) -> chunks.add(chunk.asString()));
			}
			FailureKind kind = FailureKind.fromValue(expect.get("kind").asString());
			assertThat(kind).as("kind of %s", entry.get("id")).isNotNull();
			assertThat(entry.get("source").asString()).as("source of %s", entry.get("id")).isNotBlank();
			return new Fixture(entry.get("id").asString(), entry.get("status").asInt(), headers,
					entry.has("contentType") ? entry.get("contentType").asString() : "application/json", body,
					entry.has("stream") && entry.get("stream").asBoolean(),
					entry.has("now") ? Instant.parse(entry.get("now").asString()) : DEFAULT_NOW, kind,
					expect.get("status").asInt(), text(expect, "code"), text(expect, "message"),
					text(expect, "messageContains"),
					expect.has("waitMillis") ? expect.get("waitMillis").asLong() : null,
					expect.has("serverRetryHint") ? expect.get("serverRetryHint").asBoolean() : null, chunks);
		}

		private static @Nullable String text(JsonNode node, String field) {
			return node.has(field) ? node.get(field).asString() : null;
		}

		FakeResponse response() {
			FakeResponse response;
			if (this.stream) {
				response = FakeResponse.rawEvents(this.status, events());
			}
			else {
				response = FakeResponse.raw(this.status, this.body);
			}
			response = response.header("Content-Type", this.contentType);
			for (Map.Entry<String, String> header : this.headers.entrySet()) {
				response = response.header(header.getKey(), header.getValue());
			}
			return response;
		}

		/**
		 * The recorded stream cut into its events, each with the blank line that ends it.
		 */
		private List<String> events() {
			String text = new String(this.body, java.nio.charset.StandardCharsets.UTF_8);
			List<String> events = new ArrayList<>();
			for (String event : text.split("(?<=\n\n)")) {
				if (!event.isBlank()) {
					events.add(event);
				}
			}
			return events;
		}

		void check(LlmException failure) {
			assertThat(failure.kind()).as("kind").isEqualTo(this.kind);
			assertThat(failure.status()).as("status").isEqualTo(this.expectedStatus);
			assertThat(failure.errorCode()).as("code").isEqualTo(this.code);
			if (this.message != null) {
				assertThat(failure.providerMessage()).as("message").isEqualTo(this.message);
			}
			if (this.messageContains != null) {
				assertThat(failure.providerMessage()).as("message").contains(this.messageContains);
			}
			assertThat(failure.providerMessage()).as("message").isNotBlank().doesNotContain(KEY);
			Duration wait = failure.retryAfter();
			assertThat((wait != null) ? wait.toMillis() : null).as("wait").isEqualTo(this.waitMillis);
			assertThat(failure.serverRetryHint()).as("x-should-retry").isEqualTo(this.serverRetryHint);
			assertThat(failure.requestSent()).isTrue();
			assertThat(failure.provider()).isEqualTo(this.id.substring(0, this.id.indexOf('/')));
		}

		@Override
		public String toString() {
			return this.id;
		}

	}

}
