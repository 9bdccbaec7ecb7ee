package io.github.llmresilience.testkit;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link FakeResponse#raw(int, byte[])} and {@link FakeResponse#rawEvents(String...)}
 * send a recorded answer exactly as it came: status, headers, bytes, events.
 */
class RawResponseTests extends FakeLlmServerTestSupport {

	@Test
	void rawAnswerSendsTheStatusTheHeadersAndTheBytesUnchanged() throws Exception {
		byte[] body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"
			.getBytes(StandardCharsets.UTF_8);
		this.server.model("m")
			.enqueue(FakeResponse.raw(529, body)
				.header("Content-Type", "application/json")
				.header("x-should-retry", "true")
				.header("request-id", "req_01"));
		HttpResponse<byte[]> response = this.chat.client()
			.send(Chat.request(this.server.baseUrl(), Chat.body("m", "hi")).build(),
					HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(529);
		assertThat(response.body()).isEqualTo(body);
		assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
		assertThat(response.headers().firstValue("x-should-retry")).hasValue("true");
		assertThat(response.headers().firstValue("request-id")).hasValue("req_01");
	}

	@Test
	void rawAnswerIgnoresWhetherTheRequestAskedForAStream() throws Exception {
		this.server.model("m")
			.enqueue(
					FakeResponse.raw(502, "<html><body>bad gateway</body></html>").header("Content-Type", "text/html"));
		HttpResponse<String> response = this.chat.askStream(this.server, "m", false);
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.headers().firstValue("content-type")).hasValue("text/html");
		assertThat(response.body()).isEqualTo("<html><body>bad gateway</body></html>");
	}

	@Test
	void rawAnswerAddsNoContentTypeOfItsOwn() throws Exception {
		this.server.model("m").enqueue(FakeResponse.raw(500, new byte[] { 'o', 'o', 'p', 's' }));
		HttpResponse<String> response = this.chat.ask(this.server, "m");
		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(response.headers().firstValue("content-type")).isEmpty();
		assertThat(response.body()).isEqualTo("oops");
	}

	@Test
	void rawBodyIsCopiedSoTheResponseStaysImmutable() throws Exception {
		byte[] body = "first".getBytes(StandardCharsets.UTF_8);
		FakeResponse response = FakeResponse.raw(200, body);
		body[0] = 'F';
		this.server.model("m").enqueue(response);
		assertThat(this.chat.ask(this.server, "m").body()).isEqualTo("first");
	}

	@Test
	void rawEventsAreWrittenAsGivenEachInItsOwnChunk() throws Exception {
		List<String> events = List.of("event: message_start\ndata: {\"type\":\"message_start\"}\n\n",
				"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
		this.server.model("m").enqueue(FakeResponse.rawEvents(events.toArray(String[]::new)));
		try (RawHttp http = new RawHttp(this.server.port())) {
			http.post("/v1/chat/completions", Chat.streamBody("m", "hi", false), false)
				.readUntilEnd(Duration.ofSeconds(5));
			assertThat(http.head()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/event-stream");
			assertThat(http.body()).isEqualTo(String.join("", events));
			// Written one by one: the chunks show it whether the client read them in one
			// read or two
			// (nothing spaces the two writes, so how reads cut them depends on the
			// machine's load).
			assertThat(http.chunks()).containsExactlyElementsOf(events);
		}
	}

	@Test
	void rawEventsTakeAnotherContentTypeFromTheHeaders() throws Exception {
		this.server.model("m")
			.enqueue(FakeResponse.rawEvents(200, List.of("data: {}\n\n")).header("Content-Type", "text/plain"));
		HttpResponse<String> response = this.chat.askStream(this.server, "m", false);
		assertThat(response.headers().allValues("content-type")).containsExactly("text/plain");
		assertThat(response.body()).isEqualTo("data: {}\n\n");
	}

	@Test
	void rawAnswerNeedsAnHttpStatus() {
		assertThatIllegalArgumentException().isThrownBy(() -> FakeResponse.raw(99, new byte[0]))
			.withMessageContaining("'status' must be an HTTP status");
		assertThatIllegalArgumentException().isThrownBy(() -> FakeResponse.rawEvents(600, List.of()))
			.withMessageContaining("600");
	}

	@Test
	void rawAnswerDescribesItself() {
		assertThat(FakeResponse.raw(429, "{}")).hasToString("FakeResponse[raw 429 bytes=2]");
		assertThat(FakeResponse.rawEvents("data: x\n\n")).hasToString("FakeResponse[raw_events 200 events=1]");
	}

}
