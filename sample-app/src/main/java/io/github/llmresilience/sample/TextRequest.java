package io.github.llmresilience.sample;

import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/summaries} and {@code POST /api/headlines}.
 *
 * @param text the text to work on
 */
public record TextRequest(@Nullable String text) {

}
