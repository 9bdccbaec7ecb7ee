package io.github.llmresilience.pacing;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The queue of a provider's batch requests in front of its connection pool: at most
 * {@link #limit()} of them in flight at once (its {@code batch-share} of
 * {@code max-connections}, at least one), the others waiting in arrival order for one of
 * them to end. A wait holds no thread (a Reactor signal), ends at once when its caller
 * cancels, and lasts at most {@code pending-acquire-timeout}. Interactive requests never
 * pass through it.
 */
public final class BatchQueue {

	private final String provider;

	private final int limit;

	private final Duration maxWait;

	private final Object lock = new Object();

	// Guarded by lock.
	private final LinkedHashSet<Ticket> waiting = new LinkedHashSet<>();

	// Guarded by lock; read without it for the gauge and the endpoint.
	private volatile int inFlight;

	private volatile int queued;

	// Guarded by lock.
	private boolean closed;

	/**
	 * Create the queue of a provider.
	 * @param settings the provider's concurrency settings
	 */
	public BatchQueue(ProviderConcurrency settings) {
		this.provider = settings.provider();
		this.limit = settings.batchLimit();
		this.maxWait = settings.pendingAcquireTimeout();
	}

	/**
	 * Return the provider's name.
	 * @return the name
	 */
	public String provider() {
		return this.provider;
	}

	/**
	 * Return the most batch requests in flight at once.
	 * @return the limit
	 */
	public int limit() {
		return this.limit;
	}

	/**
	 * Return the longest a batch request waits for its turn.
	 * @return the provider's {@code pending-acquire-timeout}
	 */
	public Duration maxWait() {
		return this.maxWait;
	}

	/**
	 * Return how many batch requests are in flight.
	 * @return the number
	 */
	public int inFlight() {
		return this.inFlight;
	}

	/**
	 * Return how many batch requests wait for their turn.
	 * @return the number
	 */
	public int queued() {
		return this.queued;
	}

	/**
	 * Return a batch request that is subscribed to once fewer than {@link #limit()} batch
	 * requests are in flight, and holds its place until it ends; one that waited longer
	 * than {@code pending-acquire-timeout} fails with the given error, without being
	 * subscribed to.
	 * @param <T> the element type
	 * @param request the request
	 * @param timedOut the failure of a request that waited too long
	 * @return the request, admitted
	 */
	public <T> Flux<T> admit(Flux<T> request, Supplier<? extends Throwable> timedOut) {
		return Flux.defer(() -> {
			Ticket ticket = new Ticket();
			Mono<Void> turn = enter(ticket) ? Mono.empty()
					// Granted on the thread of the request that ended, possibly inside
					// its
					// own completion: the next one goes on from a worker, so that a row
					// of
					// requests that end at once does not grow the stack.
					: ticket.granted.asMono()
						.publishOn(Schedulers.parallel())
						.timeout(this.maxWait, Mono.defer(() -> Mono.error(timedOut.get())));
			return turn.thenMany(request).doFinally((signal) -> ticket.end());
		});
	}

	/**
	 * Stop giving places: the application shuts down, and the requests still waiting are
	 * about to be ended, so a place freed by a request that ends (the shutdown ends those
	 * in flight first or meanwhile) must not send a waiting one.
	 */
	public void close() {
		synchronized (this.lock) {
			this.closed = true;
		}
	}

	private boolean enter(Ticket ticket) {
		synchronized (this.lock) {
			if (!this.closed && this.inFlight < this.limit) {
				this.inFlight++;
				ticket.state.set(Ticket.HELD);
				return true;
			}
			this.waiting.add(ticket);
			this.queued = this.waiting.size();
			return false;
		}
	}

	/**
	 * A batch request ended: its place goes to the first request still waiting.
	 */
	private void handOver() {
		Ticket next = null;
		synchronized (this.lock) {
			Iterator<Ticket> tickets = this.waiting.iterator();
			while (!this.closed && tickets.hasNext()) {
				Ticket ticket = tickets.next();
				tickets.remove();
				if (ticket.state.compareAndSet(Ticket.WAITING, Ticket.HELD)) {
					next = ticket;
					break;
				}
			}
			if (next == null) {
				this.inFlight--;
			}
			this.queued = this.waiting.size();
		}
		if (next != null) {
			next.granted.tryEmitEmpty();
		}
	}

	private void leave(Ticket ticket) {
		synchronized (this.lock) {
			this.waiting.remove(ticket);
			this.queued = this.waiting.size();
		}
	}

	@Override
	public String toString() {
		return "BatchQueue[provider=" + this.provider + ", limit=" + this.limit + ", inFlight=" + this.inFlight
				+ ", queued=" + this.queued + "]";
	}

	/**
	 * One batch request's place: waiting, holding a place in flight, or gone (it left the
	 * queue, or ended and gave its place on).
	 */
	private final class Ticket {

		static final int WAITING = 0;

		static final int HELD = 1;

		static final int GONE = 2;

		final AtomicInteger state = new AtomicInteger(WAITING);

		final Sinks.Empty<Void> granted = Sinks.empty();

		void end() {
			while (true) {
				int current = this.state.get();
				if (current == WAITING && this.state.compareAndSet(WAITING, GONE)) {
					leave(this);
					return;
				}
				if (current == HELD && this.state.compareAndSet(HELD, GONE)) {
					handOver();
					return;
				}
				if (current == GONE) {
					return;
				}
			}
		}

	}

}
