package io.github.llmresilience.benchmarks.load;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

/**
 * Counts the log events that match a condition among those the logging levels let through
 * (WARN and above in the harness): attached to the root logger once the application has
 * started, since Spring Boot sets logging up again when a context starts.
 */
final class LogCounter extends AppenderBase<ILoggingEvent> implements AutoCloseable {

	private final Predicate<ILoggingEvent> condition;

	private final LongAdder count = new LongAdder();

	private final Logger root;

	private LogCounter(Predicate<ILoggingEvent> condition) {
		this.condition = condition;
		LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
		this.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		setContext(context);
		setName("llm-soak-counter");
		start();
		this.root.addAppender(this);
	}

	/**
	 * Count, from now, the events of the root logger that match a condition.
	 * @param condition the condition
	 * @return the counter, to close when done
	 */
	static LogCounter count(Predicate<ILoggingEvent> condition) {
		return new LogCounter(condition);
	}

	/**
	 * Whether an event's message or one of its exceptions (causes and suppressed
	 * included) names a class.
	 * @param event the event
	 * @param simpleName the class's simple name
	 * @return whether it names it
	 */
	static boolean mentions(ILoggingEvent event, String simpleName) {
		String message = event.getFormattedMessage();
		if (message != null && message.contains(simpleName)) {
			return true;
		}
		return mentions(event.getThrowableProxy(), simpleName, 0);
	}

	private static boolean mentions(IThrowableProxy proxy, String simpleName, int depth) {
		if (proxy == null || depth > 16) {
			return false;
		}
		if (proxy.getClassName().endsWith("." + simpleName)) {
			return true;
		}
		if (proxy.getSuppressed() != null) {
			for (IThrowableProxy suppressed : proxy.getSuppressed()) {
				if (mentions(suppressed, simpleName, depth + 1)) {
					return true;
				}
			}
		}
		return mentions(proxy.getCause(), simpleName, depth + 1);
	}

	@Override
	protected void append(ILoggingEvent event) {
		if (this.condition.test(event)) {
			this.count.increment();
		}
	}

	/**
	 * Return the events counted so far.
	 * @return the count
	 */
	long counted() {
		return this.count.sum();
	}

	@Override
	public void close() {
		this.root.detachAppender(this);
		stop();
	}

}
