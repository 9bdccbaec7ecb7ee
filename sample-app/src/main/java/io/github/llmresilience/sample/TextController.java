package io.github.llmresilience.sample;

import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.LlmClient;

/**
 * The sample's text endpoints, one for each way of calling a model through
 * llm-resilience; each answer also says which target wrote it:
 * <ul>
 * <li>{@code POST /api/summaries} with {@code {"text": "..."}}: a summary from a reactive
 * {@code @LlmCall} method.</li>
 * <li>{@code POST /api/headlines} with {@code {"text": "..."}}: a headline from a
 * blocking {@code @LlmCall} method, called off the event loop.</li>
 * <li>{@code POST /api/rewrites} with {@code {"text": "..."}}: the text in plain words,
 * under the {@code rewrites} policy, whose target is a pool of two deployments of one
 * model. Each call picks one; a deployment that answers 429 hands the call to the other
 * at once instead of waiting.</li>
 * <li>{@code POST /api/replies} with {@code {"text": "..."}}: a reply of the
 * {@link SupportAgent} AI Service, whose model is llm-resilience's, so the call runs
 * under the {@code default} policy with its retries and fallback.</li>
 * <li>{@code POST /api/embeddings} with {@code {"texts": ["...", ...]}}: one vector per
 * text, in order, under the {@code embeddings} policy.</li>
 * </ul>
 */
@RestController
class TextController {

	private final Summarizer summarizer;

	private final HeadlineWriter writer;

	private final SupportAgent agent;

	private final LlmClient llm;

	TextController(Summarizer summarizer, HeadlineWriter writer, SupportAgent agent, LlmClient llm) {
		this.summarizer = summarizer;
		this.writer = writer;
		this.agent = agent;
		this.llm = llm;
	}

	@PostMapping("/api/summaries")
	Mono<Summary> summarise(@RequestBody TextRequest request) {
		return this.summarizer.summarise(requireText(request.text()));
	}

	@PostMapping("/api/headlines")
	Mono<Headline> headline(@RequestBody TextRequest request) {
		String text = requireText(request.text());
		return Mono.fromCallable(() -> this.writer.headline(text)).subscribeOn(Schedulers.boundedElastic());
	}

	@PostMapping("/api/rewrites")
	Mono<Rewrite> rewrite(@RequestBody TextRequest request) {
		String text = requireText(request.text());
		return this.llm
			.chat("rewrites",
					ChatRequest.builder().system("Rewrite the user's text in plain words.").user(text).build())
			.map(Rewrite::of);
	}

	@PostMapping("/api/replies")
	Mono<Reply> reply(@RequestBody TextRequest request) {
		String question = requireText(request.text());
		// An AI Service on a ChatModel waits for the answer: keep it off the event loop.
		return Mono.fromCallable(() -> this.agent.reply(question))
			.subscribeOn(Schedulers.boundedElastic())
			.map(Reply::of);
	}

	@PostMapping("/api/embeddings")
	Mono<Embeddings> embed(@RequestBody TextsRequest request) {
		EmbeddingRequest embeddings = embeddingRequest(request.texts());
		// Many texts are split into batches; the vectors come back in order.
		return this.llm.embed(embeddings).map(Embeddings::of);
	}

	static String requireText(@Nullable String text) {
		if (text == null || text.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "'text' must not be empty");
		}
		return text;
	}

	private static EmbeddingRequest embeddingRequest(@Nullable List<String> texts) {
		if (texts == null) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "'texts' must list the texts to embed");
		}
		try {
			return EmbeddingRequest.of(texts);
		}
		catch (IllegalArgumentException ex) {
			// No input, or an empty one: refused before anything is sent.
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, ex.getMessage());
		}
	}

}
