package io.github.llmresilience.execution;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * How one logical call is executed.
 *
 * @param <T> the element type
 * @param idempotent whether repeating the call's requests is harmless
 * @param stream whether the call is a stream: its deadline ends at the first element
 * @param fallback what answers when the policy gives up, or {@code null}
 * @param text how to read the text of an element, for the partial text of an interrupted stream,
 * or {@code null} when elements carry none
 */
public record ExecutionOptions<T>(boolean idempotent, boolean stream, @Nullable FallbackHandler<T> fallback,
		@Nullable Function<? super T, ? extends @Nullable CharSequence> text) {

}
