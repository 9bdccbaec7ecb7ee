package io.github.llmresilience.sample;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/answers} with {@code {"text": "..."}}: an answer from Spring AI's
 * {@code ChatClient}, whose model is llm-resilience's, so the call runs under the
 * {@code default} policy with its retries and fallback; and which target wrote it.
 */
@RestController
class AnswerController {

	private final ChatClient chatClient;

	AnswerController(ChatClient.Builder chatClientBuilder) {
		this.chatClient = chatClientBuilder.defaultSystem("You are a helpful assistant. Answer in a few sentences.")
			.build();
	}

	@PostMapping("/api/answers")
	Mono<Answer> answer(@RequestBody TextRequest request) {
		String question = TextController.requireText(request.text());
		// ChatClient's call() waits for the answer: keep it off the event loop.
		return Mono.fromCallable(() -> this.chatClient.prompt().user(question).call().chatResponse())
			.subscribeOn(Schedulers.boundedElastic())
			.map(Answer::of);
	}

}
