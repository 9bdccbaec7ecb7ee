package io.github.llmresilience.sample;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmClient;

/**
 * {@code POST /api/rewrites} with {@code {"text": "..."}}: the text in plain words, under
 * the {@code rewrites} policy, whose target is a pool of two deployments of one model.
 * Each call picks one; a deployment that answers 429 hands the call to the other at once
 * instead of waiting.
 */
@RestController
class RewriteController {

	private final LlmClient llm;

	RewriteController(LlmClient llm) {
		this.llm = llm;
	}

	@PostMapping("/api/rewrites")
	Mono<Rewrite> rewrite(@RequestBody TextRequest request) {
		String text = SummaryController.requireText(request.text());
		return this.llm
			.chat("rewrites",
					ChatRequest.builder().system("Rewrite the user's text in plain words.").user(text).build())
			.map(Rewrite::of);
	}

}
