package io.github.llmresilience.execution;

import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * What an attempt delivered: it counts the elements (and keeps their text, for a stream
 * that asks for it), to tell a failure before the first element (retried) from one after
 * it (an interruption). For an attempt that {@link AttemptSend} sends, it also classifies
 * the attempt's failure for the layers around it, as its executor decides; being both, it
 * is all such an attempt's subscriber needs, without a function of its own per attempt.
 *
 * @param <T> the element type
 */
final class StreamGate<T> implements Consumer<T>, Function<Throwable, Throwable> {

	private final AttemptScope scope;

	private final @Nullable Function<? super T, ? extends @Nullable CharSequence> text;

	private final @Nullable StringBuilder delivered;

	private final @Nullable BiFunction<Throwable, StreamGate<?>, Throwable> classify;

	private int count;

	/**
	 * Create the gate of an attempt.
	 * @param scope the attempt
	 * @param text the text of an element, to keep what a stream delivered, or
	 * {@code null}
	 * @param classify what the executor makes of the attempt's failure, or {@code null}
	 * for an attempt whose failure the executor classifies on its own
	 */
	StreamGate(AttemptScope scope, @Nullable Function<? super T, ? extends @Nullable CharSequence> text,
			@Nullable BiFunction<Throwable, StreamGate<?>, Throwable> classify) {
		this.scope = scope;
		this.text = text;
		this.delivered = (text != null) ? new StringBuilder() : null;
		this.classify = classify;
	}

	/**
	 * Count an element that the attempt delivered.
	 * @param element the element
	 */
	@Override
	public void accept(T element) {
		this.count++;
		this.scope.call().delivered();
		if (this.text != null && this.delivered != null) {
			CharSequence chunk = this.text.apply(element);
			if (chunk != null) {
				this.delivered.append(chunk);
			}
		}
	}

	/**
	 * Classify the attempt's failure, as the executor decides.
	 * @param failure the failure
	 * @return what the layers around the attempt get
	 */
	@Override
	public Throwable apply(Throwable failure) {
		return (this.classify != null) ? this.classify.apply(failure, this) : failure;
	}

	AttemptScope scope() {
		return this.scope;
	}

	int count() {
		return this.count;
	}

	String text() {
		return (this.delivered != null) ? this.delivered.toString() : "";
	}

}
