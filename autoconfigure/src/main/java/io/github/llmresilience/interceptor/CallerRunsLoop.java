package io.github.llmresilience.interceptor;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the attempts of a blocking {@code @LlmCall} method on the thread that called it,
 * while the policy's waits stay Reactor timers: the calling thread takes each attempt off
 * a queue and runs it, so the method always sees its own thread (its transaction, its
 * security context) and the thread is held for the whole call, as a blocking call holds
 * it.
 */
final class CallerRunsLoop implements Executor {

	private static final Runnable WAKE_UP = () -> {
	};

	private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

	private final Scheduler scheduler = Schedulers.fromExecutor(this);

	@Override
	public void execute(Runnable task) {
		this.tasks.add(task);
	}

	/**
	 * Return the scheduler whose tasks run on the calling thread.
	 * @return the scheduler
	 */
	Scheduler scheduler() {
		return this.scheduler;
	}

	/**
	 * Subscribe to the call and run its tasks on this thread until it ends.
	 * @param call the call
	 * @return its value, or {@code null} if it completed empty
	 * @throws Throwable its failure
	 */
	@Nullable Object await(Mono<?> call) throws Throwable {
		AtomicReference<@Nullable Object> value = new AtomicReference<>();
		AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
		Done done = new Done();
		Disposable subscription = call.doFinally((signal) -> {
			done.set();
			this.tasks.add(WAKE_UP);
		}).subscribe(value::set, failure::set);
		try {
			while (!done.isSet()) {
				this.tasks.take().run();
			}
		}
		catch (InterruptedException ex) {
			subscription.dispose();
			Thread.currentThread().interrupt();
			throw new CancellationException("Interrupted while waiting for an @LlmCall method's policy");
		}
		finally {
			this.scheduler.dispose();
		}
		Throwable error = failure.get();
		if (error != null) {
			throw error;
		}
		return value.get();
	}

	private static final class Done {

		private volatile boolean set;

		void set() {
			this.set = true;
		}

		boolean isSet() {
			return this.set;
		}

	}

}
