package io.github.llmresilience.springai.autoconfigure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.analyzer.AbstractInjectionFailureAnalyzer;
import org.springframework.core.Ordered;

import io.github.llmresilience.springai.LlmChatModel;

/**
 * Explains a start-up that failed because something, typically
 * {@code ChatClient.Builder}, needs one {@code ChatModel} and finds {@link LlmChatModel}
 * next to another one (a Spring AI provider starter's), neither of them primary; and says
 * how to choose. It runs before Spring Boot's own analysis of a bean that is not unique,
 * which would not name the properties.
 */
class LlmChatModelConflictFailureAnalyzer extends AbstractInjectionFailureAnalyzer<NoUniqueBeanDefinitionException>
		implements Ordered {

	private final BeanFactory beanFactory;

	LlmChatModelConflictFailureAnalyzer(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, NoUniqueBeanDefinitionException cause,
			@Nullable String description) {
		Class<?> type = cause.getBeanType();
		Collection<String> found = cause.getBeanNamesFound();
		if (type == null || found == null || !type.isAssignableFrom(LlmChatModel.class)) {
			return null;
		}
		String ours = null;
		List<String> others = new ArrayList<>();
		for (String name : found) {
			if (ours == null && isLlmChatModel(name)) {
				ours = name;
			}
			else {
				others.add(name + " (" + typeName(name) + ")");
			}
		}
		if (ours == null) {
			return null;
		}
		String message = String.format("%s needs one %s, but there are %d and none is primary:%n"
				+ "\t- %s: llm-resilience's LlmChatModel, which sends calls through the llm-resilience policies%n"
				+ "\t- %s", (description != null) ? description : "A component", type.getSimpleName(), found.size(),
				ours, String.join(String.format("%n\t- "), others));
		String action = String.format(
				"Choose the ChatModel that ChatClient uses:%n"
						+ "\t- to send ChatClient calls through llm-resilience (retries, fallbacks, metrics), set "
						+ "%s.primary=true; the other ChatModel stays available by its name%n"
						+ "\t- to use the other ChatModel only, set %s.enabled=false%n"
						+ "\t- to drop a Spring AI provider's chat model, set spring.ai.model.chat=none or remove its "
						+ "starter%n" + "\t- or mark the ChatModel bean that should serve ChatClient as @Primary",
				LlmChatModelProperties.PREFIX, LlmChatModelProperties.PREFIX);
		return new FailureAnalysis(message, action, cause);
	}

	private boolean isLlmChatModel(String name) {
		try {
			return this.beanFactory.isTypeMatch(name, LlmChatModel.class);
		}
		catch (NoSuchBeanDefinitionException ex) {
			return false;
		}
	}

	private String typeName(String name) {
		try {
			Class<?> type = this.beanFactory.getType(name, false);
			return (type != null) ? type.getName() : "unknown type";
		}
		catch (NoSuchBeanDefinitionException ex) {
			return "unknown type";
		}
	}

	@Override
	public int getOrder() {
		// Before Spring Boot's NoUniqueBeanDefinitionFailureAnalyzer, which has no order.
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
