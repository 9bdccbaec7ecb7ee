package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.autoconfigure.ModelConflictFailureAnalyzer;
import io.github.llmresilience.langchain4j.LlmChatModel;
import io.github.llmresilience.langchain4j.LlmStreamingChatModel;

/**
 * Explains a start-up that failed because something needs one LangChain4j
 * {@code ChatModel} (or {@code StreamingChatModel}) and finds {@link LlmChatModel} (or
 * {@link LlmStreamingChatModel}) next to another one, a LangChain4j provider starter's,
 * neither of them primary; and says how to choose. It runs before Spring Boot's own
 * analysis of a bean that is not unique, which would not name the properties.
 */
class LlmLangChain4jConflictFailureAnalyzer extends ModelConflictFailureAnalyzer {

	LlmLangChain4jConflictFailureAnalyzer(BeanFactory beanFactory) {
		super(beanFactory);
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Class<?> type, Collection<String> found, String needer,
			NoUniqueBeanDefinitionException cause) {
		return ConflictExplanation.explain(getBeanFactory(), type, found, needer, false, cause);
	}

}
