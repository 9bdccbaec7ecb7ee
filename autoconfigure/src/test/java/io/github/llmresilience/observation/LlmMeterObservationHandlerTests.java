package io.github.llmresilience.observation;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.policy.Target;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LlmMeterObservationHandler} records exactly the meters Micrometer's
 * {@link DefaultMeterObservationHandler} records, and Spring Boot asks it first for the
 * starter's observations only.
 */
class LlmMeterObservationHandlerTests {

	private static final Target TARGET = new Target("openai", "gpt-4o");

	@Test
	void recordsTheSameMetersAsMicrometersHandler() {
		MockClock clock = new MockClock();
		SimpleMeterRegistry ours = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
		SimpleMeterRegistry micrometers = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
		LlmObservability withOurs = observability(new LlmMeterObservationHandler(ours), ours);
		LlmObservability withMicrometers = observability(new DefaultMeterObservationHandler(micrometers), micrometers);
		for (LlmObservability observability : List.of(withOurs, withMicrometers)) {
			for (int i = 0; i < 3; i++) {
				ObservedCall call = observability.startCall("summaries", null);
				ObservedAttempt failed = observability.startAttempt("summaries", TARGET, call.observation());
				clock.add(20, TimeUnit.MILLISECONDS);
				failed.failed(LlmException.builder(FailureKind.RATE_LIMITED).status(429).build());
				ObservedAttempt served = observability.startAttempt("summaries", TARGET, call.observation());
				clock.add(30, TimeUnit.MILLISECONDS);
				served.succeeded();
				call.finished(null, TARGET, false, 2, List.of("rate-limited"));
			}
			ObservedCall running = observability.startCall("summaries", null);
			observability.startAttempt("summaries", TARGET, running.observation());
			ObservedCall failing = observability.startCall("reports", null);
			failing.finished(new IllegalStateException("no target"), null, false, 0, List.of());
		}
		assertThat(meters(ours)).isEqualTo(meters(micrometers)).containsKeys("llm.calls.active", "llm.attempts.active");
		assertThat(ours.get("llm.attempts").tag("result", "rate-limited").timer().totalTime(TimeUnit.MILLISECONDS))
			.isEqualTo(60);
	}

	@Test
	void recordsTheTagsThatObservationFiltersAddAndRemoveAsMicrometersHandlerDoes() {
		MockClock clock = new MockClock();
		SimpleMeterRegistry ours = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
		SimpleMeterRegistry micrometers = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
		for (SimpleMeterRegistry registry : List.of(ours, micrometers)) {
			ObservationRegistry observations = ObservationRegistry.create();
			observations.observationConfig()
				.observationHandler((registry == ours) ? new LlmMeterObservationHandler(registry)
						: new DefaultMeterObservationHandler(registry))
				.observationFilter((context) -> context.addLowCardinalityKeyValue(KeyValue.of("region", "eu")))
				.observationFilter((context) -> context.removeLowCardinalityKeyValues("fallback"));
			LlmObservability observability = new LlmObservability(observations, null, null,
					new MicrometerLlmMetrics(registry));
			ObservedCall call = observability.startCall("summaries", null);
			observability.startAttempt("summaries", TARGET, call.observation()).succeeded();
			call.finished(null, TARGET, false, 1, List.of());
		}
		assertThat(meters(ours)).isEqualTo(meters(micrometers));
		assertThat(ours.get("llm.calls").tag("region", "eu").timer().count()).isOne();
		assertThat(ours.get("llm.calls").timer().getId().getTag("fallback")).isNull();
		assertThat(ours.get("llm.attempts").tag("region", "eu").timer().count()).isOne();
	}

	@Test
	void bootAsksItFirstForTheStartersObservationsAndItsOwnHandlerForTheRest() {
		runner().run((context) -> {
			assertThat(context).hasSingleBean(LlmMeterObservationHandler.class);
			// Boot groups meter handlers in this order; the first that supports a context
			// handles it.
			assertThat(context.getBeanProvider(MeterObservationHandler.class).orderedStream().toList()).first()
				.isInstanceOf(LlmMeterObservationHandler.class);
			ObservationRegistry observations = context.getBean(ObservationRegistry.class);
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			LlmObservability observability = new LlmObservability(observations, null, null, LlmMetrics.NONE);
			ObservedCall call = observability.startCall("summaries", null);
			assertThat(meters.get("llm.calls.active").longTaskTimer().activeTasks()).isOne();
			call.finished(null, TARGET, false, 1, List.of());
			Observation.createNotStarted("http.client.requests", observations).observe(() -> {
			});
			assertThat(meters.get("llm.calls").timers()).singleElement()
				.satisfies((timer) -> assertThat(timer.count()).isOne());
			assertThat(meters.get("llm.calls.active").longTaskTimer().activeTasks()).isZero();
			assertThat(meters.get("http.client.requests").timer().count()).isOne();
		});
	}

	@Test
	void honoursBootsIgnoredMeters() {
		runner().withPropertyValues("management.metrics.observations.ignored-meters=long-task-timer").run((context) -> {
			LlmObservability observability = new LlmObservability(context.getBean(ObservationRegistry.class), null,
					null, LlmMetrics.NONE);
			observability.startCall("summaries", null).finished(null, TARGET, false, 1, List.of());
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.find("llm.calls.active").meters()).isEmpty();
			assertThat(meters.get("llm.calls").timer().count()).isOne();
		});
	}

	private static ApplicationContextRunner runner() {
		return llmResilience(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				LlmMetricsAutoConfiguration.class);
	}

	private static LlmObservability observability(ObservationHandler<?> handler, MeterRegistry meters) {
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler(handler);
		return new LlmObservability(observations, null, null, new MicrometerLlmMetrics(meters));
	}

	/**
	 * Every meter by name and tags, with what it measured.
	 */
	private static Map<String, Object> meters(MeterRegistry registry) {
		Map<String, Object> meters = new TreeMap<>();
		for (Meter meter : registry.getMeters()) {
			Object value;
			if (meter instanceof Timer timer) {
				value = timer.count() + " in " + timer.totalTime(TimeUnit.MILLISECONDS) + "ms";
			}
			else if (meter instanceof LongTaskTimer active) {
				value = active.activeTasks() + " active";
			}
			else {
				value = meter.measure().toString();
			}
			meters.put(meter.getId().getName() + meter.getId().getTags(), value);
			meters.putIfAbsent(meter.getId().getName(), "");
		}
		return meters;
	}

}
