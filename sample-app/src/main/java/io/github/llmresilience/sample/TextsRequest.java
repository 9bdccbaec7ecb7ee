package io.github.llmresilience.sample;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/embeddings}.
 *
 * @param texts the texts to embed, in the order their vectors are wanted
 */
public record TextsRequest(@Nullable List<String> texts) {

}
