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
import io.github.llmresilience.springai.LlmEmbeddingModel;

/**
 * Explains a start-up that failed because something needs one {@code ChatModel}
 * (typically {@code ChatClient.Builder}) or one {@code EmbeddingModel} (typically a
 * {@code VectorStore}) and finds {@link LlmChatModel} or {@link LlmEmbeddingModel} next
 * to another one (a Spring AI provider starter's), neither of them primary; and says how
 * to choose. It runs before Spring Boot's own analysis of a bean that is not unique,
 * which would not name the properties.
 */
class LlmModelConflictFailureAnalyzer extends AbstractInjectionFailureAnalyzer<NoUniqueBeanDefinitionException>
		implements Ordered {

	private static final List<Model> MODELS = List.of(
			new Model(LlmChatModel.class, "ChatModel", "ChatClient", LlmChatModelProperties.PREFIX,
					"spring.ai.model.chat=none", "ChatClient calls", "chat model"),
			new Model(LlmEmbeddingModel.class, "EmbeddingModel", "a VectorStore", LlmEmbeddingModelProperties.PREFIX,
					"spring.ai.model.embedding=none", "embeddings", "embedding model"));

	private final BeanFactory beanFactory;

	LlmModelConflictFailureAnalyzer(BeanFactory beanFactory) {
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
		for (Model model : MODELS) {
			if (type.isAssignableFrom(model.type())) {
				FailureAnalysis analysis = analyze(model, type, found, description, cause);
				if (analysis != null) {
					return analysis;
				}
			}
		}
		return null;
	}

	private @Nullable FailureAnalysis analyze(Model model, Class<?> type, Collection<String> found,
			@Nullable String description, NoUniqueBeanDefinitionException cause) {
		String ours = null;
		List<String> others = new ArrayList<>();
		for (String name : found) {
			if (ours == null && isOfType(name, model.type())) {
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
				+ "\t- %s: llm-resilience's %s, which sends calls through the llm-resilience policies%n" + "\t- %s",
				(description != null) ? description : "A component", type.getSimpleName(), found.size(), ours,
				model.type().getSimpleName(), String.join(String.format("%n\t- "), others));
		String action = String.format(
				"Choose the %s that %s uses:%n"
						+ "\t- to send %s through llm-resilience (retries, fallbacks, metrics), set "
						+ "%s.primary=true; the other %s stays available by its name%n"
						+ "\t- to use the other %s only, set %s.enabled=false%n"
						+ "\t- to drop a Spring AI provider's %s, set %s or remove its starter%n"
						+ "\t- or mark the %s bean that should serve %s as @Primary",
				model.api(), model.user(), model.calls(), model.prefix(), model.api(), model.api(), model.prefix(),
				model.kind(), model.providerOff(), model.api(), model.user());
		return new FailureAnalysis(message, action, cause);
	}

	private boolean isOfType(String name, Class<?> type) {
		try {
			return this.beanFactory.isTypeMatch(name, type);
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

	/**
	 * One of llm-resilience's Spring AI models and how to choose it.
	 *
	 * @param type its class
	 * @param api the name of the Spring AI interface
	 * @param user what typically needs exactly one
	 * @param prefix the prefix of its properties
	 * @param providerOff the property that turns a Spring AI provider's model off
	 * @param calls what goes through it
	 * @param kind what a Spring AI provider's model of this kind is called
	 */
	private record Model(Class<?> type, String api, String user, String prefix, String providerOff, String calls,
			String kind) {

	}

}
