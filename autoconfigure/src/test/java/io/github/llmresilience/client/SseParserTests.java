package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DataBufferLimitException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class SseParserTests {

	private static List<String> parse(int limit, String... pieces) {
		SseParser parser = new SseParser(limit, "10B (limit)");
		List<String> events = new ArrayList<>();
		for (String piece : pieces) {
			events.addAll(parser.feed(piece.getBytes(StandardCharsets.UTF_8)));
		}
		events.addAll(parser.finish());
		return events;
	}

	@Test
	void eventsEndAtABlankLineWhateverTheLineEnds() {
		assertThat(parse(1000, "data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n")).containsExactly("a", "b", "c", "d");
	}

	@Test
	void aCrLfSplitAcrossReadsIsOneLineEnd() {
		assertThat(parse(1000, "data: a\r", "\n\r", "\ndata: b\n\n")).containsExactly("a", "b");
	}

	@Test
	void piecesMayCutLinesAndCharactersAnywhere() {
		byte[] bytes = "data: héllo wörld\n\n".getBytes(StandardCharsets.UTF_8);
		SseParser parser = new SseParser(1000, "limit");
		List<String> events = new ArrayList<>();
		for (byte b : bytes) {
			events.addAll(parser.feed(new byte[] { b }));
		}
		assertThat(events).containsExactly("héllo wörld");
	}

	@Test
	void commentsOtherFieldsAndEmptyEventsAreSkipped() {
		assertThat(parse(1000, ": keep-alive\n\nevent: error\nid: 7\ndata: {\"x\":1}\n\nretry: 10\n\n\n"))
			.containsExactly("{\"x\":1}");
	}

	@Test
	void dataLinesOfOneEventAreJoined() {
		assertThat(parse(1000, "data: one\ndata:two\ndata\n\n")).containsExactly("one\ntwo\n");
	}

	@Test
	void aLastEventWithoutItsBlankLineIsStillRead() {
		assertThat(parse(1000, "data: a\n\ndata: [DONE]")).containsExactly("a", "[DONE]");
	}

	@Test
	void anEventLargerThanTheLimitFailsAndNamesIt() {
		SseParser parser = new SseParser(10, "10B (llm.providers.x.max-response-size)");
		assertThat(parser.feed("data: 12\n\n".getBytes(StandardCharsets.UTF_8))).containsExactly("12");
		assertThatExceptionOfType(DataBufferLimitException.class)
			.isThrownBy(() -> parser.feed("data: 12345\n".getBytes(StandardCharsets.UTF_8)))
			.withMessageContaining("llm.providers.x.max-response-size");
	}

}
