package io.github.llmresilience.execution;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * Answers a logical call that its policy gave up on, such as an {@code @LlmCall} fallback
 * method.
 *
 * @param <T> the element type
 */
@FunctionalInterface
public interface FallbackHandler<T> {

	/**
	 * Answer instead of the failed call.
	 * @param failure the failure the call ended with
	 * @return the answer, or {@code null} if this handler does not take that failure
	 */
	@Nullable Publisher<T> apply(Throwable failure);

}
