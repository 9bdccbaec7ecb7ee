package io.github.llmresilience.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/**
 * Meters as an application with Actuator has them: Spring Boot's observation and metrics
 * auto-configurations, with a {@link SimpleMeterRegistry} behind the
 * {@link ObservationRegistry}, so {@code llm.calls} and {@code llm.attempts} are recorded
 * by the handlers Boot registers.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({ ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
		CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class })
public class ObservedMeters {

}
