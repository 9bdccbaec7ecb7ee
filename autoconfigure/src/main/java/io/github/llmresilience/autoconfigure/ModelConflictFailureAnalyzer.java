package io.github.llmresilience.autoconfigure;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.analyzer.AbstractInjectionFailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * The base of the Spring AI and LangChain4j modules' analyzers of a start-up that failed
 * because something needs one model of a type and finds several, none of them primary. It
 * runs before Spring Boot's own analysis of a bean that is not unique, which would not
 * name the properties that choose.
 */
public abstract class ModelConflictFailureAnalyzer
		extends AbstractInjectionFailureAnalyzer<NoUniqueBeanDefinitionException> implements Ordered {

	private final BeanFactory beanFactory;

	/**
	 * Create an analyzer.
	 * @param beanFactory the bean factory of the failed context
	 */
	protected ModelConflictFailureAnalyzer(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Return the bean factory of the failed context.
	 * @return the bean factory
	 */
	protected final BeanFactory getBeanFactory() {
		return this.beanFactory;
	}

	@Override
	protected final @Nullable FailureAnalysis analyze(Throwable rootFailure, NoUniqueBeanDefinitionException cause,
			@Nullable String description) {
		Class<?> type = cause.getBeanType();
		Collection<String> found = cause.getBeanNamesFound();
		if (type == null || found == null) {
			return null;
		}
		return analyze(type, found, (description != null) ? description : "A component", cause);
	}

	/**
	 * Explain the failure, if one of the beans is llm-resilience's model.
	 * @param type the type of which one bean was needed
	 * @param found the beans of that type
	 * @param needer what needed one
	 * @param cause the failure
	 * @return the analysis, or {@code null} to leave the failure to other analyzers
	 */
	protected abstract @Nullable FailureAnalysis analyze(Class<?> type, Collection<String> found, String needer,
			NoUniqueBeanDefinitionException cause);

	@Override
	public int getOrder() {
		// Before Spring Boot's NoUniqueBeanDefinitionFailureAnalyzer, which has no order.
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
