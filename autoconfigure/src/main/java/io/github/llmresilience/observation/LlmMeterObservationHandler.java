package io.github.llmresilience.observation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * Records {@code llm.calls} and {@code llm.attempts} as Micrometer's
 * {@link DefaultMeterObservationHandler} does (a {@link Timer} named after the
 * observation with its low-cardinality tags and {@code error}, and a
 * {@link LongTaskTimer} {@code <name>.active} with the tags known at the start), but
 * looks each meter up once per combination of tags instead of building and registering it
 * again on every start and stop.
 * <p>
 * Spring Boot puts every {@link MeterObservationHandler} bean into one first-matching
 * group, in order: ordered before Boot's own handler, this one records the starter's
 * observations and Boot's records all others. Events are counted by a
 * {@code DefaultMeterObservationHandler}. As with any meter an application keeps a
 * reference to, a meter removed from the registry is not registered again.
 */
public final class LlmMeterObservationHandler implements MeterObservationHandler<Observation.Context> {

	private static final String ERROR = LlmMeters.TagKey.ERROR.asString();

	private static final String NO_ERROR = LlmMeters.NONE;

	// The tag combinations are few (low-cardinality tags by definition): one entry per
	// meter.
	private final Map<MeterKey, Timer> timers = new ConcurrentHashMap<>();

	private final Map<MeterKey, LongTaskTimer> activeTimers = new ConcurrentHashMap<>();

	private final MeterRegistry registry;

	private final boolean longTaskTimers;

	private final DefaultMeterObservationHandler events;

	/**
	 * Create a handler.
	 * @param registry the registry to record to
	 * @param ignoredMeters the meters not to create, as for
	 * {@link DefaultMeterObservationHandler}
	 */
	public LlmMeterObservationHandler(MeterRegistry registry,
			DefaultMeterObservationHandler.IgnoredMeters... ignoredMeters) {
		this.registry = registry;
		this.longTaskTimers = !List.of(ignoredMeters)
			.contains(DefaultMeterObservationHandler.IgnoredMeters.LONG_TASK_TIMER);
		this.events = new DefaultMeterObservationHandler(registry, ignoredMeters);
	}

	@Override
	public boolean supportsContext(Observation.Context context) {
		// The starter's contexts, LlmCallContext and LlmAttemptContext.
		return context instanceof MeteredContext;
	}

	@Override
	public void onStart(Observation.Context context) {
		if (this.longTaskTimers) {
			MeterKey key = new MeterKey(name(context), context.getLowCardinalityKeyValues(), null);
			// A look-up first: computeIfAbsent's function captures this handler.
			LongTaskTimer active = this.activeTimers.get(key);
			if (active == null) {
				active = this.activeTimers.computeIfAbsent(key,
						(k) -> LongTaskTimer.builder(k.name() + LlmMeters.ACTIVE_SUFFIX)
							.description(description(k.name() + LlmMeters.ACTIVE_SUFFIX))
							.tags(tags(k.keyValues(), null))
							.register(this.registry));
			}
			((MeteredContext) context).activeSample(active.start());
		}
		((MeteredContext) context).timerSample(Timer.start(this.registry));
	}

	@Override
	public void onStop(Observation.Context context) {
		Throwable error = context.getError();
		MeterKey key = new MeterKey(name(context), context.getLowCardinalityKeyValues(),
				(error != null) ? error.getClass().getSimpleName() : NO_ERROR);
		Timer timer = this.timers.get(key);
		if (timer == null) {
			timer = this.timers.computeIfAbsent(key,
					(k) -> Timer.builder(k.name())
						.description(description(k.name()))
						.tags(tags(k.keyValues(), k.error()))
						.register(this.registry));
		}
		MeteredContext metered = (MeteredContext) context;
		Timer.Sample sample = metered.timerSample();
		if (sample == null) {
			throw new IllegalStateException("The observation " + context + " was stopped before it was started");
		}
		sample.stop(timer);
		LongTaskTimer.Sample active = metered.activeSample();
		if (active != null) {
			active.stop();
		}
	}

	@Override
	public void onEvent(Observation.Event event, Observation.Context context) {
		this.events.onEvent(event, context);
	}

	/**
	 * Return the catalogue's description of a meter, or {@code null} for the meter of an
	 * observation that a user's convention renamed.
	 */
	private static @Nullable String description(String name) {
		LlmMeters meter = LlmMeters.named(name);
		return (meter != null) ? meter.getDescription() : null;
	}

	/**
	 * The name of one of the starter's contexts (the only ones this handler supports),
	 * which the starter's observations are created with.
	 */
	private static String name(Observation.Context context) {
		String name = context.getName();
		if (name == null) {
			throw new IllegalStateException("An observation of the starter has no name: " + context);
		}
		return name;
	}

	private static List<Tag> tags(KeyValues keyValues, @Nullable String error) {
		List<Tag> tags = new ArrayList<>();
		for (KeyValue keyValue : keyValues) {
			tags.add(Tag.of(keyValue.getKey(), keyValue.getValue()));
		}
		if (error != null) {
			tags.add(Tag.of(ERROR, error));
		}
		return tags;
	}

	private record MeterKey(String name, KeyValues keyValues, @Nullable String error) {
	}

}
