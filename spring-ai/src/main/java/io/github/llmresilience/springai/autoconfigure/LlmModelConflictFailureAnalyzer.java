package io.github.llmresilience.springai.autoconfigure;

import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.autoconfigure.ModelConflict;
import io.github.llmresilience.autoconfigure.ModelConflictFailureAnalyzer;
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
class LlmModelConflictFailureAnalyzer extends ModelConflictFailureAnalyzer {

	private static final List<Model> MODELS = List.of(
			new Model(LlmChatModel.class, "ChatModel", "ChatClient", LlmChatModelProperties.PREFIX,
					"spring.ai.model.chat=none", "ChatClient calls", "chat model"),
			new Model(LlmEmbeddingModel.class, "EmbeddingModel", "a VectorStore", LlmEmbeddingModelProperties.PREFIX,
					"spring.ai.model.embedding=none", "embeddings", "embedding model"));

	LlmModelConflictFailureAnalyzer(BeanFactory beanFactory) {
		super(beanFactory);
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Class<?> type, Collection<String> found, String needer,
			NoUniqueBeanDefinitionException cause) {
		for (Model model : MODELS) {
			if (type.isAssignableFrom(model.type())) {
				FailureAnalysis analysis = analyze(model, type, found, needer, cause);
				if (analysis != null) {
					return analysis;
				}
			}
		}
		return null;
	}

	private @Nullable FailureAnalysis analyze(Model model, Class<?> type, Collection<String> found, String needer,
			NoUniqueBeanDefinitionException cause) {
		ModelConflict conflict = ModelConflict.among(getBeanFactory(), found, model.type());
		if (conflict == null) {
			return null;
		}
		String message = conflict.describe(needer, type, model.type(), true);
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
