package io.github.llmresilience.sample;

import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.LlmClient;

/**
 * {@code POST /api/embeddings} with {@code {"texts": ["...", ...]}}: one vector per text,
 * in order, under the {@code embeddings} policy, and which target computed them.
 */
@RestController
class EmbeddingController {

	private final LlmClient llm;

	EmbeddingController(LlmClient llm) {
		this.llm = llm;
	}

	@PostMapping("/api/embeddings")
	Mono<Embeddings> embed(@RequestBody TextsRequest request) {
		EmbeddingRequest embeddings = request(request.texts());
		// Many texts are split into batches; the vectors come back in order.
		return this.llm.embed(embeddings).map(Embeddings::of);
	}

	private static EmbeddingRequest request(@Nullable List<String> texts) {
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
