package io.github.llmresilience.langchain4j.autoconfigure;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.service.IllegalConfigurationException;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains a start-up that failed because LangChain4j's Boot starter wires
 * {@code @AiService} interfaces automatically and found llm-resilience's model next to a
 * LangChain4j provider's. Its {@code AiServicesAutoConfiguration} counts the beans of
 * each type, ignoring which one is primary, and fails with an
 * {@link IllegalConfigurationException} whose message names them
 * (langchain4j/langchain4j-spring, langchain4j-spring-boot4-starter,
 * AiServicesAutoConfiguration#conflict: "Conflict: multiple beans of type %s are found:
 * %s. ..."); this reads that message, the only place the beans are named.
 */
class LlmAiServiceConflictFailureAnalyzer extends AbstractFailureAnalyzer<IllegalConfigurationException>
		implements Ordered {

	private static final Pattern CONFLICT = Pattern
		.compile("Conflict: multiple beans of type ([\\w.$]+) are found: \\[([^\\]]*)\\]");

	private final BeanFactory beanFactory;

	LlmAiServiceConflictFailureAnalyzer(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, IllegalConfigurationException cause) {
		String message = cause.getMessage();
		Matcher matcher = (message != null) ? CONFLICT.matcher(message) : null;
		if (matcher == null || !matcher.find()) {
			return null;
		}
		Class<?> type;
		if (ChatModel.class.getName().equals(matcher.group(1))) {
			type = ChatModel.class;
		}
		else if (StreamingChatModel.class.getName().equals(matcher.group(1))) {
			type = StreamingChatModel.class;
		}
		else {
			return null;
		}
		List<String> found = Arrays.stream(matcher.group(2).split(",")).map(String::strip).toList();
		return ConflictExplanation.explain(this.beanFactory, type, found, "LangChain4j's automatic @AiService wiring",
				true, cause);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
