package io.github.llmresilience.pacing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue of a provider's batch requests, in virtual time.
 */
class BatchQueueTests {

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger mostInFlight = new AtomicInteger();

	private final List<Integer> started = new CopyOnWriteArrayList<>();

	private static BatchQueue queue(int maxConnections, double share, Duration maxWait) {
		return new BatchQueue(new ProviderConcurrency("openai", maxConnections, share, maxWait));
	}

	/**
	 * A request that takes a second and counts how many run at once.
	 */
	private Flux<Integer> request(int id) {
		return Mono.defer(() -> {
			this.started.add(id);
			this.mostInFlight.accumulateAndGet(this.inFlight.incrementAndGet(), Math::max);
			return Mono.delay(Duration.ofSeconds(1)).thenReturn(id);
		}).doFinally((signal) -> this.inFlight.decrementAndGet()).flux();
	}

	@Test
	void aQuarterOfEightConnectionsLetsTwoBatchRequestsRunAtOnceInArrivalOrder() {
		BatchQueue queue = queue(8, 0.25, Duration.ofMinutes(1));
		assertThat(queue.limit()).isEqualTo(2);
		StepVerifier
			.withVirtualTime(
					() -> Flux.range(0, 10).flatMap((i) -> queue.admit(request(i), IllegalStateException::new), 10))
			.expectSubscription()
			.then(() -> assertThat(queue.queued()).isEqualTo(8))
			.thenAwait(Duration.ofSeconds(5))
			.expectNextCount(10)
			.verifyComplete();
		assertThat(this.mostInFlight).hasValue(2);
		assertThat(this.started).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
		assertThat(queue.queued()).isZero();
		assertThat(queue.inFlight()).isZero();
	}

	@Test
	void onceClosedARequestThatEndsSendsNoWaitingOne() {
		BatchQueue queue = queue(2, 0.5, Duration.ofMinutes(1));
		StepVerifier
			.withVirtualTime(
					() -> Flux.range(0, 3).flatMap((i) -> queue.admit(request(i), IllegalStateException::new), 3))
			.expectSubscription()
			.then(queue::close)
			.thenAwait(Duration.ofSeconds(1))
			.expectNext(0)
			.expectNoEvent(Duration.ofSeconds(10))
			.thenCancel()
			.verify();
		assertThat(this.started).containsExactly(0);
		assertThat(queue.queued()).isZero();
	}

	@Test
	void theLimitIsAtLeastOneRequest() {
		assertThat(queue(1, 0.25, Duration.ofSeconds(1)).limit()).isOne();
		assertThat(queue(3, 0.5, Duration.ofSeconds(1)).limit()).isOne();
		assertThat(queue(8, 1, Duration.ofSeconds(1)).limit()).isEqualTo(8);
	}

	@Test
	void aRequestThatWaitsLongerThanItsMaxWaitFailsWithoutBeingSubscribedTo() {
		BatchQueue queue = queue(2, 0.5, Duration.ofMillis(500));
		StepVerifier
			.withVirtualTime(() -> Flux.merge(queue.admit(request(0), IllegalStateException::new),
					queue.admit(request(1), () -> new IllegalStateException("waited too long"))))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(499))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorMessage("waited too long")
			.verify();
		assertThat(this.started).containsExactly(0);
		assertThat(queue.queued()).isZero();
	}

	@Test
	void aCancelledRequestLeavesTheQueueAtOnceAndTheNextOneTakesItsTurn() {
		BatchQueue queue = queue(2, 0.5, Duration.ofMinutes(1));
		StepVerifier.withVirtualTime(() -> {
			Flux<Integer> first = queue.admit(request(0), IllegalStateException::new);
			Flux<Integer> cancelled = queue.admit(request(1), IllegalStateException::new)
				.takeUntilOther(Mono.delay(Duration.ofMillis(100)));
			Flux<Integer> third = queue.admit(request(2), IllegalStateException::new);
			return Flux.merge(first, cancelled, third.delaySubscription(Duration.ofMillis(10)));
		})
			.expectSubscription()
			.then(() -> assertThat(queue.queued()).isOne())
			.thenAwait(Duration.ofMillis(10))
			.then(() -> assertThat(queue.queued()).isEqualTo(2))
			.thenAwait(Duration.ofMillis(90))
			.then(() -> assertThat(queue.queued()).isOne())
			.thenAwait(Duration.ofMillis(900))
			.expectNext(0)
			.thenAwait(Duration.ofSeconds(1))
			.expectNext(2)
			.verifyComplete();
		assertThat(this.started).containsExactly(0, 2);
		assertThat(queue.inFlight()).isZero();
	}

	@Test
	void aThousandQueuedRequestsEndWithoutGrowingTheStackWhenEachFailsAtOnce() {
		BatchQueue queue = queue(1, 1, Duration.ofMinutes(1));
		AtomicInteger failed = new AtomicInteger();
		StepVerifier.withVirtualTime(() -> Flux.range(0, 1000)
			.flatMap((i) -> queue
				.admit(Flux.<Integer>error(new IllegalStateException("refused")), IllegalStateException::new)
				.onErrorResume((ex) -> {
					failed.incrementAndGet();
					return Mono.empty();
				}), 1000))
			.thenAwait(Duration.ofSeconds(1))
			.verifyComplete();
		assertThat(failed).hasValue(1000);
		assertThat(queue.inFlight()).isZero();
	}

}
