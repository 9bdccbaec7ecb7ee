package io.github.llmresilience.behaviour;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.awaitility.core.ConditionFactory;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.execution.VirtualClock;

import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.TargetReservations;
import io.github.llmresilience.testkit.FakeLlmServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Calls against {@link io.github.llmresilience.testkit.FakeLlmServer} on real sockets in
 * Reactor's virtual time: while it is open, every Reactor timer (the engine's waits, the
 * server's answer delays) is virtual, and the engine's clock (the {@link #clock()}, given
 * to the application as its {@code llmClock}) reads the virtual time. The run moves the
 * virtual time on a step at a time, and only once the real work of the step is over:
 * every request the engine counted as in flight is either answered and read, or held by
 * the server on a virtual delay. So a window of two seconds takes no two seconds, and how
 * long the machine takes to pass a request on never decides which window it falls in.
 */
final class VirtualTimeRun implements AutoCloseable {

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.getOrSet();

	private final Clock clock = new VirtualClock();

	/**
	 * Return a clock that reads the virtual time.
	 * @return the clock
	 */
	Clock clock() {
		return this.clock;
	}

	/**
	 * Return an application runner whose engine reads the virtual time.
	 * @param runner the runner
	 * @return the runner with the clock
	 */
	ApplicationContextRunner engineOn(ApplicationContextRunner runner) {
		return runner.withBean(LlmResilienceAutoConfiguration.CLOCK_BEAN, Clock.class, () -> this.clock);
	}

	/**
	 * Return how many timers were put on the virtual time so far, those that fired
	 * included: a wait the engine starts puts one.
	 * @return the count
	 */
	long timers() {
		return this.scheduler.getScheduledTaskCount();
	}

	/**
	 * Return the virtual time now.
	 * @return the instant
	 */
	Instant now() {
		return this.clock.instant();
	}

	/**
	 * Return whether the real work between an application and a server is over: every
	 * request the engine counts as in flight (to every target whose requests it reserves)
	 * is an exchange whose answer waits on its virtual delay
	 * ({@link FakeLlmServer#delayedExchanges()}). A request not yet received, one being
	 * answered, an answer written and not yet read make the two differ.
	 * @param context the application
	 * @param server the server
	 * @return the condition
	 */
	static BooleanSupplier settled(ApplicationContext context, FakeLlmServer server) {
		Pacing pacing = context.getBean(Pacing.class);
		return () -> pacing.allReservations().values().stream().mapToLong(TargetReservations::inFlight).sum() == server
			.delayedExchanges();
	}

	/**
	 * Subscribe to calls and move the virtual time on by {@code step} whenever
	 * {@code settled} says that the real work is over, until the calls complete.
	 * @param <T> the element type
	 * @param calls the calls
	 * @param settled whether every request in flight waits on a virtual delay
	 * ({@link #settled})
	 * @param step how far to move the virtual time at once
	 * @param atMost the virtual time the calls may take
	 * @return what the calls gave, in the order they gave it
	 */
	<T> List<T> run(Flux<T> calls, BooleanSupplier settled, Duration step, Duration atMost) {
		return run(calls, settled, step, atMost, Duration.ZERO);
	}

	/**
	 * Subscribe to calls and move the virtual time on by {@code step} whenever
	 * {@code settled} has said for {@code still} of real time that the real work is over,
	 * until the calls complete. Between two requests (a call that ends, the next that
	 * starts) no request is in flight for a moment, and the time should not move on then
	 * when a test measures how long the calls took.
	 * @param <T> the element type
	 * @param calls the calls
	 * @param settled whether every request in flight waits on a virtual delay
	 * ({@link #settled})
	 * @param step how far to move the virtual time at once
	 * @param atMost the virtual time the calls may take
	 * @param still how long the real work must stay over before the time moves on
	 * @return what the calls gave, in the order they gave it
	 */
	<T> List<T> run(Flux<T> calls, BooleanSupplier settled, Duration step, Duration atMost, Duration still) {
		List<T> results = new CopyOnWriteArrayList<>();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicBoolean done = new AtomicBoolean();
		Instant end = now().plus(atMost);
		calls.subscribe(results::add, failure::set, () -> done.set(true));
		while (!done.get() && failure.get() == null) {
			ConditionFactory await = await().pollInSameThread()
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(1))
				.atMost(Duration.ofSeconds(20));
			(still.isZero() ? await : await.during(still))
				.until(() -> done.get() || failure.get() != null || settled.getAsBoolean());
			assertThat(now()).as("virtual time at which the calls are still running").isBefore(end);
			this.scheduler.advanceTimeBy(step);
		}
		if (failure.get() != null) {
			throw new AssertionError("the calls failed", failure.get());
		}
		return results;
	}

	@Override
	public void close() {
		VirtualTimeScheduler.reset();
	}

}
