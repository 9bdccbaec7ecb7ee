package io.github.llmresilience.execution;

import java.util.concurrent.atomic.AtomicBoolean;

import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import reactor.core.publisher.Flux;

/**
 * A target's Resilience4j retry, assembled only once an attempt has failed: most calls
 * succeed on their first attempt, and Reactor's {@code retryWhen} (a sink, a companion
 * flux and their subscribers per call) would cost them for nothing.
 *
 * <p>
 * The first attempt runs alone. If it completes, the retry's context records a success
 * without retry, as {@link RetryOperator} would have ({@code TaggedRetryMetrics} count
 * it). If it fails, the retry is assembled then, around a publisher that hands the retry
 * that failure first (without sending anything again) and the next attempts after it:
 * Resilience4j sees the same signals in the same order as if it had wrapped the first
 * attempt, so its decisions, waits, events and meters are the same. A retry whose
 * configuration retries on results (an application's customizer may add a result
 * predicate) wraps every attempt from the start, since it must see the first attempt's
 * elements.
 */
final class LazyRetry {

	private LazyRetry() {
	}

	/**
	 * Return a target's attempts under its retry.
	 * @param <T> the element type
	 * @param attempts one attempt per subscription
	 * @param retry the target's retry
	 * @return the attempts, retried as the retry decides
	 */
	static <T> Flux<T> retried(Flux<T> attempts, Retry retry) {
		if (retry.getRetryConfig().getResultPredicate() != null) {
			return attempts.transform(RetryOperator.of(retry));
		}
		return attempts.doOnComplete(() -> retry.asyncContext().onComplete())
			.onErrorResume((failure) -> afterFirstFailure(failure, attempts).transform(RetryOperator.of(retry)));
	}

	/**
	 * The first failure, then the attempts again: what the retry would have subscribed to
	 * from the start.
	 */
	private static <T> Flux<T> afterFirstFailure(Throwable failure, Flux<T> attempts) {
		AtomicBoolean replayed = new AtomicBoolean();
		return Flux.defer(() -> replayed.getAndSet(true) ? attempts : Flux.error(failure));
	}

}
