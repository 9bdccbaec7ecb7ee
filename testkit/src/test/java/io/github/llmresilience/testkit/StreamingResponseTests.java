package io.github.llmresilience.testkit;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for server-sent event streams, parsed by hand.
 */
class StreamingResponseTests extends FakeLlmServerTestSupport {

	private static final Duration QUIET = Duration.ofMillis(500);

	private static final String PATH = "/v1/chat/completions";

	@Test
	void okStreamsOneChunkPerWordThenFinishThenDone() throws Exception {
		this.server.model("gpt-4o").thenAlways(FakeResponse.ok("Once upon a  time"));
		HttpResponse<String> response = this.chat.askStream(this.server, "gpt-4o", false);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("text/event-stream"));
		assertThat(response.headers().firstValue("Content-Length")).isEmpty();
		// Events are "data: ..." lines each followed by a blank line, as OpenAI sends
		// them.
		assertThat(response.body()).startsWith("data: {").endsWith("}\n\ndata: [DONE]\n\n");
		List<String> events = Chat.events(response.body());
		assertThat(Chat.contents(events)).containsExactly("Once ", "upon ", "a  ", "time");
		assertThat(String.join("", Chat.contents(events))).isEqualTo("Once upon a  time");
		assertThat(events).hasSize(6).last().isEqualTo("[DONE]");
		JsonNode first = Chat.json(events.get(0));
		assertThat(first.path("id").stringValue()).startsWith("chatcmpl-");
		assertThat(first.path("object").stringValue()).isEqualTo("chat.completion.chunk");
		assertThat(first.path("model").stringValue()).isEqualTo("gpt-4o");
		assertThat(first.at("/choices/0/index").asInt()).isZero();
		assertThat(first.at("/choices/0/delta/role").stringValue()).isEqualTo("assistant");
		assertThat(first.at("/choices/0/finish_reason").isNull()).isTrue();
		assertThat(first.has("usage")).isFalse();
		JsonNode second = Chat.json(events.get(1));
		assertThat(second.at("/choices/0/delta/role").isMissingNode()).isTrue();
		assertThat(second.path("id").stringValue()).isEqualTo(first.path("id").stringValue());
		JsonNode finish = Chat.json(events.get(4));
		assertThat(finish.at("/choices/0/delta").isEmpty()).isTrue();
		assertThat(finish.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
	}

	@Test
	void includeUsageAddsAUsageChunkBeforeDone() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("One two three"));
		List<String> events = Chat.events(this.chat.askStream(this.server, "m", true).body());
		assertThat(events).hasSize(6);
		assertThat(Chat.json(events.get(0)).path("usage").isNull()).isTrue();
		JsonNode usage = Chat.json(events.get(4));
		assertThat(usage.path("choices")).isEmpty();
		assertUsage(usage, 4, 3, 7);
		assertThat(events.get(5)).isEqualTo("[DONE]");
	}

	@Test
	void streamSendsExactlyTheGivenChunks() throws Exception {
		this.server.model("m")
			.thenAlways(FakeResponse.stream("Hel", "lo", ", wor", "ld").finishReason("length").reportedModel("m-2025"));
		List<String> events = Chat.events(this.chat.askStream(this.server, "m", false).body());
		assertThat(Chat.contents(events)).containsExactly("Hel", "lo", ", wor", "ld");
		assertThat(Chat.json(events.get(4)).at("/choices/0/finish_reason").stringValue()).isEqualTo("length");
		assertThat(Chat.json(events.get(0)).path("model").stringValue()).isEqualTo("m-2025");
	}

	@Test
	void toolCallsAreStreamedAsOpenAiSplitsThemIdAndNameFirstThenTheArgumentsInPieces() throws Exception {
		this.server.model("m").thenAlways(weatherAndTimeToolCalls("Oslo"));
		List<String> events = Chat.events(this.chat.askStream(this.server, "m", false).body());
		// call_1: a head and five pieces; call_2: a head and one piece; the finish
		// chunk; [DONE].
		assertThat(events).hasSize(10);
		JsonNode head = Chat.json(events.get(0)).at("/choices/0/delta");
		assertThat(head.path("role").stringValue()).isEqualTo("assistant");
		assertThat(head.path("content").isNull()).isTrue();
		assertThat(head.at("/tool_calls/0/index").asInt()).isZero();
		assertThat(head.at("/tool_calls/0/id").stringValue()).isEqualTo("call_1");
		assertThat(head.at("/tool_calls/0/type").stringValue()).isEqualTo("function");
		assertThat(head.at("/tool_calls/0/function/name").stringValue()).isEqualTo("get_weather");
		assertThat(head.at("/tool_calls/0/function/arguments").stringValue()).isEmpty();
		List<String> pieces = new ArrayList<>();
		for (String event : events.subList(1, 6)) {
			JsonNode call = Chat.json(event).at("/choices/0/delta/tool_calls/0");
			assertThat(call.path("index").asInt()).isZero();
			assertThat(call.has("id")).isFalse();
			assertThat(call.at("/function").has("name")).isFalse();
			pieces.add(call.at("/function/arguments").stringValue());
		}
		assertThat(pieces).containsExactly("{\"", "city", "\":\"", "Oslo", "\"}");
		JsonNode second = Chat.json(events.get(6)).at("/choices/0/delta/tool_calls/0");
		assertThat(second.path("index").asInt()).isEqualTo(1);
		assertThat(second.path("id").stringValue()).isEqualTo("call_2");
		assertThat(Chat.json(events.get(7)).at("/choices/0/delta/tool_calls/0/function/arguments").stringValue())
			.isEqualTo("{}");
		assertThat(Chat.json(events.get(8)).at("/choices/0/finish_reason").stringValue()).isEqualTo("tool_calls");
		assertThat(events.get(9)).isEqualTo("[DONE]");
	}

	@Test
	void breakAfterCountsTheToolCallPiecesSoAStreamCanBeCutInsideTheArguments() throws Exception {
		this.server.model("m")
			.thenAlways(FakeResponse.ok("").toolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}").breakAfter(3));
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), true).readUntilEnd(Duration.ofSeconds(5));
			assertThat(raw.ending()).isIn(RawHttp.Ending.RESET, RawHttp.Ending.EOF);
			List<String> events = Chat.events(raw.body());
			assertThat(events).hasSize(3);
			assertThat(Chat.json(events.get(2)).at("/choices/0/delta/tool_calls/0/function/arguments").stringValue())
				.isEqualTo("city");
			assertThat(raw.body()).doesNotContain("finish_reason\":\"tool_calls");
		}
	}

	@Test
	void errorInOkOnAStreamIsAnErrorEvent() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.errorInOk(502, "Upstream error"));
		HttpResponse<String> response = this.chat.askStream(this.server, "m", false);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
		List<String> events = Chat.events(response.body());
		assertThat(events).hasSize(1);
		assertThat(Chat.json(events.get(0)).at("/error/code").asInt()).isEqualTo(502);
		assertThat(Chat.json(events.get(0)).at("/error/message").stringValue()).isEqualTo("Upstream error");
	}

	@Test
	void errorStatusOnAStreamRequestIsJson() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.status(429).retryAfterSeconds(1));
		HttpResponse<String> response = this.chat.askStream(this.server, "m", false);
		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
	}

	@Test
	void withoutDoneEndsCleanlyAfterTheContent() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("One two three").withoutDone());
		HttpResponse<String> response = this.chat.askStream(this.server, "m", true);
		List<String> events = Chat.events(response.body());
		assertThat(Chat.contents(events)).containsExactly("One ", "two ", "three");
		assertThat(events).hasSize(3).doesNotContain("[DONE]");
		assertThat(response.body()).doesNotContain("finish_reason\":\"stop").doesNotContain("prompt_tokens");
		assertThat(this.server.activeExchanges()).isZero();
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void errorAfterSendsAnErrorEventThenEnds() throws Exception {
		this.server.model("m")
			.thenAlways(FakeResponse.ok("One two three four").errorAfter(2, "server_error", "Generation failed"));
		HttpResponse<String> response = this.chat.askStream(this.server, "m", false);
		assertThat(response.statusCode()).isEqualTo(200);
		List<String> events = Chat.events(response.body());
		assertThat(events).hasSize(3);
		assertThat(Chat.contents(events)).containsExactly("One ", "two ");
		JsonNode error = Chat.json(events.get(2)).path("error");
		assertThat(error.path("code").stringValue()).isEqualTo("server_error");
		assertThat(error.path("message").stringValue()).isEqualTo("Generation failed");
		assertThat(error.path("type").stringValue()).isEqualTo("server_error");
	}

	/**
	 * Read a stream the server breaks, asserting that it began as a 200 and ended without
	 * an end of its own (a reset, or the connection closed).
	 */
	private RawHttp brokenStream(FakeResponse broken) throws Exception {
		this.server.model("m").thenAlways(broken);
		RawHttp raw = new RawHttp(this.server.port());
		try {
			raw.post(PATH, Chat.streamBody("m", "Go", false), true).readUntilEnd(Duration.ofSeconds(5));
			assertThat(raw.ending()).isIn(RawHttp.Ending.RESET, RawHttp.Ending.EOF);
			assertThat(raw.head()).startsWith("HTTP/1.1 200");
			return raw;
		}
		catch (Exception | AssertionError ex) {
			raw.close();
			throw ex;
		}
	}

	@Test
	void breakAfterResetsTheConnectionAfterSomeChunks() throws Exception {
		try (RawHttp raw = brokenStream(FakeResponse.ok("One two three four").breakAfter(2))) {
			List<String> events = Chat.events(raw.body());
			assertThat(Chat.contents(events)).containsExactly("One ", "two ");
			assertThat(raw.body()).doesNotContain("[DONE]").doesNotContain("finish_reason\":\"stop");
			// No final zero-length chunk: the response never ended properly.
			assertThat(raw.text()).doesNotEndWith("0\r\n\r\n");
		}
		await().untilAsserted(() -> assertThat(this.server.activeExchanges()).isZero());
		assertThat(this.server.abandonedExchanges()).isZero();
	}

	@Test
	void breakAfterFailsAnHttpClientRead() {
		this.server.model("m").thenAlways(FakeResponse.ok("One two three four").breakAfter(1));
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> this.chat.askStream(this.server, "m", false));
	}

	@Test
	void breakAfterZeroSendsOnlyTheHeaders() throws Exception {
		try (RawHttp raw = brokenStream(FakeResponse.ok("One two").breakAfter(0))) {
			assertThat(raw.body()).isEmpty();
		}
	}

	@Test
	void hangAfterStopsWritingButKeepsTheConnectionOpen() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("One two three four").hangAfter(3));
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), true).readUntilEnd(QUIET);
			assertThat(raw.ending()).isEqualTo(RawHttp.Ending.QUIET);
			assertThat(Chat.contents(Chat.events(raw.body()))).containsExactly("One ", "two ", "three ");
			assertThat(this.server.activeExchanges()).isOne();
		}
		await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isOne());
		assertThat(this.server.activeExchanges()).isZero();
	}

	@Test
	void chunkDelaySpacesTheEvents() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("One two three").chunkDelay(Duration.ofMillis(100)));
		long start = System.nanoTime();
		HttpResponse<String> response = this.chat.askStream(this.server, "m", false);
		// Three content chunks and the finish chunk are each delayed.
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
		assertThat(Chat.contents(Chat.events(response.body()))).containsExactly("One ", "two ", "three");
	}

	@Test
	void chunkDelayLetsTheClientSeeChunksAsTheyCome() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("One two three").chunkDelay(Duration.ofMillis(200)));
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), true).readUntil("[DONE]", Duration.ofSeconds(5));
			assertThat(raw.bodyAfterEachRead())
				.anySatisfy((body) -> assertThat(body).contains("\"One \"").doesNotContain("\"two \""));
			assertThat(raw.reads().size()).isGreaterThanOrEqualTo(4);
		}
	}

	@Test
	void keepAlivesInterleaveCommentsAndBlankLines() throws Exception {
		this.server.model("m").thenAlways(FakeResponse.ok("One two").keepAlives());
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), false).readUntilEnd(Duration.ofSeconds(5));
			String body = raw.body();
			assertThat(body).startsWith(": keep-alive\n\ndata: {").contains("}\n\n\n: keep-alive\n\ndata: ");
			assertThat(body.split(": keep-alive\n", -1)).hasSize(5);
			List<String> events = Chat.events(body);
			assertThat(Chat.contents(events)).containsExactly("One ", "two");
			assertThat(events).last().isEqualTo("[DONE]");
		}
	}

	@Test
	void splitWritesCutEventsAcrossSeparateReads() throws Exception {
		String text = words(30);
		this.server.model("m").thenAlways(FakeResponse.ok(text).splitWrites());
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), false).readUntilEnd(Duration.ofSeconds(5));
			assertThat(raw.ending()).isEqualTo(RawHttp.Ending.EOF);
			List<String> events = Chat.events(raw.body());
			assertThat(String.join("", Chat.contents(events))).isEqualTo(text);
			assertThat(events).hasSize(32);
			// Each event in three pieces, each written on its own...
			assertThat(raw.chunks()).hasSize(3 * 32);
			// ...and flushed on its own, a millisecond after the one before: more than
			// 60ms of
			// pieces cannot arrive in a read or two, however the client is scheduled.
			assertThat(raw.bodyAfterEachRead()).filteredOn((body) -> !body.isEmpty()).hasSizeGreaterThan(2);
		}
	}

	@Test
	void splitWritesCutInsideTheJson() throws Exception {
		String text = words(30);
		this.server.model("m").thenAlways(FakeResponse.ok(text).splitWrites());
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), true).readUntil("[DONE]", Duration.ofSeconds(5));
			assertThat(String.join("", Chat.contents(Chat.events(raw.body())))).isEqualTo(text);
			// The server cuts inside the JSON of a data line...
			assertThat(raw.chunks())
				.anySatisfy((chunk) -> assertThat(chunk).startsWith("data: {").doesNotContain("\n"));
			// ...so some read left the client with half an event. The pauses are between
			// the pieces
			// of an event, not between events, so a read that waits for the next pause
			// ends inside
			// an event.
			assertThat(raw.bodyAfterEachRead()).anySatisfy((body) -> {
				String lastEvent = body.substring(body.lastIndexOf("\n\n") + 1);
				assertThat(lastEvent).contains("data: {").doesNotEndWith("}");
			});
		}
	}

	@Test
	void clientClosingAStreamMidwayIsCountedAsAbandoned() throws Exception {
		this.server.model("m")
			.thenAlways(FakeResponse.ok("One two three four five").chunkDelay(Duration.ofMillis(200)));
		try (RawHttp raw = new RawHttp(this.server.port())) {
			raw.post(PATH, Chat.streamBody("m", "Go", false), true).readUntil("\"One \"", Duration.ofSeconds(5));
			assertThat(this.server.activeExchanges()).isOne();
		}
		await().untilAsserted(() -> assertThat(this.server.abandonedExchanges()).isOne());
		assertThat(this.server.activeExchanges()).isZero();
	}

	/**
	 * A text of {@code count} words, which a stream sends as as many chunks.
	 */
	private static String words(int count) {
		return IntStream.rangeClosed(1, count).mapToObj((i) -> "word" + i).collect(Collectors.joining(" "));
	}

}
