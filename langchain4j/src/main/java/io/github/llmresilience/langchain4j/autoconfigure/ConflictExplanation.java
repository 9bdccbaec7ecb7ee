package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.Collection;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.autoconfigure.ModelConflict;

import io.github.llmresilience.langchain4j.LlmChatModel;
import io.github.llmresilience.langchain4j.LlmEmbeddingModel;
import io.github.llmresilience.langchain4j.LlmStreamingChatModel;

/**
 * What the failure analyzers of this module say when a LangChain4j model is needed once
 * and there are two: which one is llm-resilience's, which are the others, and how to
 * choose.
 */
final class ConflictExplanation {

	private ConflictExplanation() {
	}

	/**
	 * Explain a conflict among these beans, if one of them is llm-resilience's model of
	 * that type.
	 * @param beanFactory the bean factory of the failed context
	 * @param type the model type that was needed once
	 * @param found the beans of that type
	 * @param needer what needed one, for the description
	 * @param aiService whether the need was LangChain4j's {@code @AiService} wiring
	 * @param cause the failure
	 * @return the analysis, or {@code null} if none of the beans is llm-resilience's
	 */
	static @Nullable FailureAnalysis explain(BeanFactory beanFactory, Class<?> type, Collection<String> found,
			String needer, boolean aiService, Throwable cause) {
		boolean embedding = EmbeddingModel.class.isAssignableFrom(type);
		boolean streaming = StreamingChatModel.class.isAssignableFrom(type);
		Class<?> ourType = embedding ? LlmEmbeddingModel.class
				: streaming ? LlmStreamingChatModel.class : LlmChatModel.class;
		if (!type.isAssignableFrom(ourType)) {
			return null;
		}
		String prefix = embedding ? LlmLangChain4jEmbeddingModelProperties.PREFIX : LlmLangChain4jProperties.PREFIX;
		String openAiModel = embedding ? "embedding-model" : streaming ? "streaming-chat-model" : "chat-model";
		String modelKind = embedding ? "embedding model" : streaming ? "streaming chat model" : "chat model";
		ModelConflict conflict = ModelConflict.among(beanFactory, found, ourType);
		if (conflict == null || conflict.others().isEmpty()) {
			return null;
		}
		String ours = conflict.ours();
		String newline = String.format("%n");
		String description = conflict.describe(needer, type, ourType, !aiService);
		String attribute = streaming ? "streamingChatModel" : "chatModel";
		StringBuilder action = new StringBuilder("Choose the " + type.getSimpleName() + " that LangChain4j uses:");
		if (aiService) {
			action.append(newline)
				.append("\t- to answer an @AiService through llm-resilience (retries, fallbacks, metrics), name the "
						+ "model: @AiService(wiringMode = EXPLICIT, " + attribute + " = \"" + ours
						+ "\"); LangChain4j's automatic wiring takes no primary bean");
		}
		else {
			action.append(newline)
				.append("\t- to send LangChain4j calls through llm-resilience (retries, fallbacks, metrics), set "
						+ prefix + ".primary=true; the other model stays available by its name");
		}
		action.append(newline)
			.append("\t- to use the other model only, set " + prefix + ".enabled=false")
			.append(newline)
			.append("\t- to drop LangChain4j's OpenAI " + modelKind + ", remove langchain4j.open-ai." + openAiModel
					+ ".api-key (its starter creates the model only when it is set) or the starter");
		if (!aiService) {
			action.append(newline)
				.append("\t- or mark the " + type.getSimpleName() + " bean that should serve as @Primary");
		}
		return new FailureAnalysis(description, action.toString(), cause);
	}

}
