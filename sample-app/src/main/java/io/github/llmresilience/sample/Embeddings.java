package io.github.llmresilience.sample;

import java.util.List;

import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.Served;

/**
 * The vectors of some texts, and which target computed them: the body of
 * {@code POST /api/embeddings}.
 *
 * @param vectors one vector per text, in the order of the texts
 * @param dimensions the length of each vector
 * @param provider the provider that answered (that of the first batch)
 * @param model the model that was asked
 * @param attempts the HTTP requests the call sent, across every batch and target
 * @param fallback whether a target other than the policy's primary answered
 */
public record Embeddings(List<float[]> vectors, int dimensions, String provider, String model, int attempts,
		boolean fallback) {

	static Embeddings of(EmbeddingResponse response) {
		Served served = response.served();
		return new Embeddings(response.vectors(), response.dimensions(), served.provider(), served.model(),
				served.attempts(), served.fallback());
	}

}
