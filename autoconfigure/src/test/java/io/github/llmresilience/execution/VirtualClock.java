package io.github.llmresilience.execution;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

import reactor.core.scheduler.Schedulers;

/**
 * A clock that reads Reactor's time: the virtual time inside
 * {@code StepVerifier.withVirtualTime(...)} or while a {@code VirtualTimeScheduler} is
 * set, else the system's.
 */
public final class VirtualClock extends Clock {

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return this;
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(Schedulers.parallel().now(TimeUnit.MILLISECONDS));
	}

}
