package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.analyzer.AbstractInjectionFailureAnalyzer;
import org.springframework.core.Ordered;

import io.github.llmresilience.langchain4j.LlmChatModel;
import io.github.llmresilience.langchain4j.LlmStreamingChatModel;

/**
 * Explains a start-up that failed because something needs one LangChain4j
 * {@code ChatModel} (or {@code StreamingChatModel}) and finds {@link LlmChatModel} (or
 * {@link LlmStreamingChatModel}) next to another one, a LangChain4j provider starter's,
 * neither of them primary; and says how to choose. It runs before Spring Boot's own
 * analysis of a bean that is not unique, which would not name the properties.
 */
class LlmLangChain4jConflictFailureAnalyzer extends AbstractInjectionFailureAnalyzer<NoUniqueBeanDefinitionException>
		implements Ordered {

	private final BeanFactory beanFactory;

	LlmLangChain4jConflictFailureAnalyzer(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, NoUniqueBeanDefinitionException cause,
			@Nullable String description) {
		Class<?> type = cause.getBeanType();
		Collection<String> found = cause.getBeanNamesFound();
		if (type == null || found == null) {
			return null;
		}
		return ConflictExplanation.explain(this.beanFactory, type, found,
				(description != null) ? description : "A component", false, cause);
	}

	@Override
	public int getOrder() {
		// Before Spring Boot's NoUniqueBeanDefinitionFailureAnalyzer, which has no order.
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
