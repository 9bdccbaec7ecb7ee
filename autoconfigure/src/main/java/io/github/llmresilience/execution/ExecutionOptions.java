package io.github.llmresilience.execution;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.Priority;

/**
 * How one logical call is executed: whether its requests may be repeated, what answers
 * when the policy gives up, how to read the text of a streamed element, and whether two
 * attempts may run at once.
 *
 * @param <T> the element type
 * @param idempotent whether repeating the call's requests is harmless
 * @param fallback what answers when the policy gives up, or {@code null}
 * @param text how to read the text of an element, for the partial text of an interrupted
 * stream and to tell a stream's first content, or {@code null} when elements carry none
 * @param hedging whether the policy's hedge may race a slow attempt: {@code false} for
 * attempts that run one after the other on the calling thread (a blocking
 * {@code @LlmCall} method)
 * @param priority how urgent the call's requests are, unless a request says otherwise
 * ({@link ChatRequest#priority()})
 */
public record ExecutionOptions<T>(boolean idempotent, @Nullable FallbackHandler<T> fallback,
		@Nullable Function<? super T, ? extends @Nullable CharSequence> text, boolean hedging, Priority priority) {

	/**
	 * Create interactive options.
	 * @param idempotent whether repeating the call's requests is harmless
	 * @param fallback what answers when the policy gives up, or {@code null}
	 * @param text how to read the text of an element, or {@code null}
	 * @param hedging whether the policy's hedge may race a slow attempt
	 */
	public ExecutionOptions(boolean idempotent, @Nullable FallbackHandler<T> fallback,
			@Nullable Function<? super T, ? extends @Nullable CharSequence> text, boolean hedging) {
		this(idempotent, fallback, text, hedging, Priority.INTERACTIVE);
	}

	/**
	 * Create options whose attempts may be hedged.
	 * @param idempotent whether repeating the call's requests is harmless
	 * @param fallback what answers when the policy gives up, or {@code null}
	 * @param text how to read the text of an element, or {@code null}
	 */
	public ExecutionOptions(boolean idempotent, @Nullable FallbackHandler<T> fallback,
			@Nullable Function<? super T, ? extends @Nullable CharSequence> text) {
		this(idempotent, fallback, text, true);
	}

	/**
	 * Return the options of a call whose requests may be sent again: retried and sent to
	 * a fallback after any failure that allows it.
	 * @param <T> the element type
	 * @return the options
	 */
	public static <T> ExecutionOptions<T> idempotentCall() {
		return call(true);
	}

	/**
	 * Return the options of a call whose request may not be sent twice: after a failure
	 * once the request was written, it is neither retried nor sent to a fallback.
	 * @param <T> the element type
	 * @return the options
	 */
	public static <T> ExecutionOptions<T> nonIdempotentCall() {
		return call(false);
	}

	/**
	 * Return the options of a call that is idempotent or not.
	 * @param <T> the element type
	 * @param idempotent whether repeating the call's requests is harmless
	 * @return the options
	 */
	public static <T> ExecutionOptions<T> call(boolean idempotent) {
		return new ExecutionOptions<>(idempotent, null, null);
	}

	/**
	 * Return a copy whose fallback handler answers when the policy gives up.
	 * @param fallback the handler, or {@code null} for none
	 * @return the copy
	 */
	public ExecutionOptions<T> withFallback(@Nullable FallbackHandler<T> fallback) {
		return new ExecutionOptions<>(this.idempotent, fallback, this.text, this.hedging, this.priority);
	}

	/**
	 * Return a copy that reads the text of each element, for the partial text of an
	 * interrupted stream.
	 * @param text how to read an element's text
	 * @return the copy
	 */
	public ExecutionOptions<T> withText(Function<? super T, ? extends @Nullable CharSequence> text) {
		return new ExecutionOptions<>(this.idempotent, this.fallback, text, this.hedging, this.priority);
	}

	/**
	 * Return a copy whose attempts are never hedged, for attempts that cannot run at
	 * once.
	 * @return the copy
	 */
	public ExecutionOptions<T> withoutHedging() {
		return new ExecutionOptions<>(this.idempotent, this.fallback, this.text, false, this.priority);
	}

	/**
	 * Return a copy whose requests have another priority, unless a request says
	 * otherwise.
	 * @param priority the priority
	 * @return the copy
	 */
	public ExecutionOptions<T> withPriority(Priority priority) {
		return new ExecutionOptions<>(this.idempotent, this.fallback, this.text, this.hedging, priority);
	}

}
