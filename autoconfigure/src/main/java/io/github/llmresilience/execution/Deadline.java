package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.policy.Target;

/**
 * A policy's {@code deadline}: the whole logical call, or, for a stream, the time to its
 * first element. The engine applies it around the chain of targets; a blocking
 * {@code @LlmCall} method, which no timer can cut short, applies it to each
 * {@code LlmClient} call it makes.
 */
final class Deadline {

	private Deadline() {
	}

	/**
	 * Bound a publisher by the call's deadline, from now.
	 * @param <T> the element type
	 * @param publisher the publisher
	 * @param call the call whose deadline applies
	 * @param clock the clock
	 * @return the bounded publisher, or the same one when the policy has no deadline
	 */
	static <T> Flux<T> bound(Flux<T> publisher, CallState call, Clock clock) {
		Instant deadlineAt = call.deadlineAt();
		Duration deadline = call.policy().deadline();
		if (deadlineAt == null || deadline == null) {
			return publisher;
		}
		return Flux.defer(() -> {
			Duration remaining = Duration.between(clock.instant(), deadlineAt);
			Mono<Long> timer = Mono.delay(remaining.isNegative() ? Duration.ZERO : remaining)
				.doOnNext((tick) -> call.deadlineReached());
			return publisher.timeout(timer, (element) -> Mono.never())
				.onErrorMap((failure) -> failure instanceof TimeoutException && call.isDeadlineReached(),
						(failure) -> exceeded(call, deadline));
		});
	}

	/**
	 * Bound a single-value publisher by the call's deadline, from now.
	 * @param <T> the value type
	 * @param publisher the publisher
	 * @param call the call whose deadline applies
	 * @param clock the clock
	 * @return the bounded publisher, or the same one when the policy has no deadline
	 */
	static <T> Mono<T> bound(Mono<T> publisher, CallState call, Clock clock) {
		return (call.deadlineAt() != null) ? bound(publisher.flux(), call, clock).singleOrEmpty() : publisher;
	}

	private static LlmDeadlineExceededException exceeded(CallState call, Duration deadline) {
		Target target = call.currentTarget();
		return new LlmDeadlineExceededException(deadline, call.lastFailure(),
				(target != null) ? target.provider() : null, (target != null) ? target.model() : null, call.attempts());
	}

}
