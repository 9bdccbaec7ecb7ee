package io.github.llmresilience.sample;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/headlines} with {@code {"text": "..."}}: a headline from a blocking
 * {@code @LlmCall} method, called off the event loop.
 */
@RestController
class HeadlineController {

	private final HeadlineWriter writer;

	HeadlineController(HeadlineWriter writer) {
		this.writer = writer;
	}

	@PostMapping("/api/headlines")
	Mono<Headline> headline(@RequestBody TextRequest request) {
		String text = SummaryController.requireText(request.text());
		return Mono.fromCallable(() -> this.writer.headline(text)).subscribeOn(Schedulers.boundedElastic());
	}

}
