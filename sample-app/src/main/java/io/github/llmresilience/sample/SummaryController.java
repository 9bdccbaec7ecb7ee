package io.github.llmresilience.sample;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code POST /api/summaries} with {@code {"text": "..."}}: a summary and which target
 * wrote it.
 */
@RestController
class SummaryController {

	private final Summarizer summarizer;

	SummaryController(Summarizer summarizer) {
		this.summarizer = summarizer;
	}

	@PostMapping("/api/summaries")
	Mono<Summary> summarise(@RequestBody TextRequest request) {
		return this.summarizer.summarise(requireText(request.text()));
	}

	static String requireText(@Nullable String text) {
		if (text == null || text.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "'text' must not be empty");
		}
		return text;
	}

}
