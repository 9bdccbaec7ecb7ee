package io.github.llmresilience.sample;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/replies} with {@code {"text": "..."}}: a reply of the
 * {@link SupportAgent} AI Service, whose model is llm-resilience's, so the call runs
 * under the {@code default} policy with its retries and fallback; and which target wrote
 * it.
 */
@RestController
class ReplyController {

	private final SupportAgent agent;

	ReplyController(SupportAgent agent) {
		this.agent = agent;
	}

	@PostMapping("/api/replies")
	Mono<Reply> reply(@RequestBody TextRequest request) {
		String question = SummaryController.requireText(request.text());
		// An AI Service on a ChatModel waits for the answer: keep it off the event loop.
		return Mono.fromCallable(() -> this.agent.reply(question))
			.subscribeOn(Schedulers.boundedElastic())
			.map(Reply::of);
	}

}
