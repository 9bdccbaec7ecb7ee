package io.github.llmresilience.benchmarks.jmh;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

import io.github.llmresilience.observation.ObservedCall;

/**
 * Sets logging to WARN where no Spring Boot application configures it, and the starter's
 * call log ({@link ObservedCall#LOGGER}) to ERROR: it logs one INFO line per call and one
 * WARN line per call that falls back or fails, which would measure the console (here:
 * JMH's link to the forked JVM) rather than the library.
 */
final class Loggers {

	static final String CALLS = ObservedCall.LOGGER;

	private Loggers() {
	}

	static void warn() {
		((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
		((Logger) LoggerFactory.getLogger(CALLS)).setLevel(Level.ERROR);
	}

}
