package io.github.llmresilience.sample;

import reactor.core.publisher.Flux;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.github.llmresilience.LlmStreamInterruptedException;

/**
 * {@code GET /api/chat/stream?prompt=...}: the answer as server-sent events, one
 * {@link Delta} per chunk. A failure before the first chunk is an HTTP error (see
 * {@link LlmExceptionHandler}); a stream cut after it ends with an {@code error} event.
 */
@RestController
class ChatController {

	private final ChatAssistant assistant;

	ChatController(ChatAssistant assistant) {
		this.assistant = assistant;
	}

	@GetMapping(path = "/api/chat/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<Object>> stream(@RequestParam String prompt) {
		return this.assistant.reply(TextController.requireText(prompt))
			.map((text) -> ServerSentEvent.<Object>builder(new Delta(text)).build())
			// The status line is gone once a chunk was sent, so an event says that the
			// stream broke.
			.onErrorResume(LlmStreamInterruptedException.class,
					(ex) -> Flux.just(ServerSentEvent.builder()
						.event("error")
						.data(new StreamError(ex.kind().value(), ex.chunksDelivered()))
						.build()));
	}

	/**
	 * The data of the {@code error} event that ends a broken stream.
	 *
	 * @param kind the failure kind, such as {@code connection} or {@code timeout}
	 * @param chunksDelivered the deltas sent before the stream broke
	 */
	record StreamError(String kind, int chunksDelivered) {

	}

}
