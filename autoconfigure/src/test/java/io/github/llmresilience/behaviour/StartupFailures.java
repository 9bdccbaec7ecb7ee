package io.github.llmresilience.behaviour;

import java.util.Map;

import org.assertj.core.api.AbstractThrowableAssert;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the tests of a start that fails check: that the context did not start, which
 * exception says why and what it says, how an analyzer explains it, and, for an analyzer
 * that reads them, the bean definitions the failed context had.
 */
public final class StartupFailures {

	private StartupFailures() {
	}

	/**
	 * Assert that the context failed to start and that the root cause of its failure is
	 * of a type and says all of some phrases.
	 * @param rootCause the type of the root cause
	 * @param phrases what its message contains
	 * @return the assertion, for {@code ApplicationContextRunner.run}
	 */
	public static ContextConsumer<AssertableApplicationContext> failsToStart(Class<? extends Throwable> rootCause,
			String... phrases) {
		return (context) -> {
			assertThat(context).hasFailed();
			AbstractThrowableAssert<?, ?> failure = assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(rootCause);
			for (String phrase : phrases) {
				failure.hasMessageContaining(phrase);
			}
		};
	}

	/**
	 * Assert that the context failed to start and return the first failure of a type
	 * among the causes of its failure.
	 * @param <T> the type
	 * @param context the context that failed
	 * @param type the type
	 * @return the first cause of that type
	 */
	public static <T extends Throwable> T causeOfType(AssertableApplicationContext context, Class<T> type) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		while (failure != null && !type.isInstance(failure)) {
			failure = failure.getCause();
		}
		assertThat(failure).as("a %s explains the failure", type.getSimpleName()).isInstanceOf(type);
		return type.cast(failure);
	}

	/**
	 * Assert that the context failed to start and that an analyzer explains its failure.
	 * @param context the context that failed
	 * @param analyzer the analyzer
	 * @return the analyzer's explanation
	 */
	public static FailureAnalysis analysisOf(AssertableApplicationContext context, FailureAnalyzer analyzer) {
		assertThat(context).hasFailed();
		FailureAnalysis analysis = analyzer.analyze(context.getStartupFailure());
		assertThat(analysis).as("the analysis of the start-up failure").isNotNull();
		return analysis;
	}

	/**
	 * Return a bean factory with definitions of some types, as the failed context had
	 * them, for a failure analyzer to read.
	 * @param beans the types by bean name
	 * @return the bean factory
	 */
	public static BeanFactory beanFactoryOf(Map<String, Class<?>> beans) {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beans.forEach((name, type) -> beanFactory.registerBeanDefinition(name, new RootBeanDefinition(type)));
		return beanFactory;
	}

}
