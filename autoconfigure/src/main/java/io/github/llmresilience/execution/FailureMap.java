package io.github.llmresilience.execution;

import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;

import io.github.llmresilience.support.CallSubscriber;

/**
 * A publisher whose failure is replaced by what a function makes of it, as
 * {@code onErrorMap} does. Reactor's {@code onErrorMap} is an {@code onErrorResume},
 * whose subscriber can switch to another publisher and keeps the accounting for it on
 * every element and request; the engine only maps, on every call (see the benchmarks'
 * profile of the happy path).
 *
 * @param <T> the element type
 */
final class FailureMap<T> extends FluxOperator<T, T> {

	private final Function<Throwable, Throwable> mapper;

	private FailureMap(Flux<? extends T> source, Function<Throwable, Throwable> mapper) {
		super(source);
		this.mapper = mapper;
	}

	/**
	 * Return the publisher with its failure mapped.
	 * @param <T> the element type
	 * @param source the publisher
	 * @param mapper what to make of a failure
	 * @return the mapped publisher
	 */
	static <T> Flux<T> of(Flux<T> source, Function<Throwable, Throwable> mapper) {
		return new FailureMap<>(source, mapper);
	}

	@Override
	public void subscribe(CoreSubscriber<? super T> actual) {
		this.source.subscribe(new Mapping<>(actual, null, this.mapper));
	}

	/**
	 * The subscriber: each element is shown to {@code delivered}, if any, before it goes
	 * on; a failure is mapped.
	 *
	 * @param <T> the element type
	 */
	static final class Mapping<T> extends CallSubscriber<T> {

		private final @Nullable Consumer<? super T> delivered;

		private final Function<Throwable, Throwable> mapper;

		private boolean done;

		Mapping(CoreSubscriber<? super T> actual, @Nullable Consumer<? super T> delivered,
				Function<Throwable, Throwable> mapper) {
			super(actual);
			this.delivered = delivered;
			this.mapper = mapper;
		}

		@Override
		public void onNext(T element) {
			if (lateNext(element)) {
				return;
			}
			Consumer<? super T> delivered = this.delivered;
			if (delivered != null) {
				try {
					delivered.accept(element);
				}
				catch (Throwable ex) {
					// operatorError cancels the publisher.
					onError(operatorError(ex, element));
					return;
				}
			}
			this.actual.onNext(element);
		}

		@Override
		public void onError(Throwable failure) {
			if (lateError(failure)) {
				return;
			}
			this.done = true;
			Throwable mapped;
			try {
				mapped = this.mapper.apply(failure);
			}
			catch (Throwable ex) {
				mapped = Exceptions.addSuppressed(Operators.onOperatorError(ex, currentContext()), failure);
			}
			this.actual.onError(mapped);
		}

		@Override
		public void onComplete() {
			if (this.done) {
				return;
			}
			this.done = true;
			this.actual.onComplete();
		}

		@Override
		public void cancel() {
			cancelUpstream();
		}

		@Override
		protected boolean ended() {
			return this.done;
		}

	}

}
