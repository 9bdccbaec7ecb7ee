package io.github.llmresilience.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import io.github.llmresilience.execution.ResilienceInstanceConflictException;
import io.github.llmresilience.interceptor.LlmCallConfigurationException;
import io.github.llmresilience.shared.SharedStateUnavailableException;
import io.github.llmresilience.support.LlmStartupException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One analyzer explains every start-up that llm-resilience stops: Spring Boot finds it,
 * and it reports the description and the action of each kind of
 * {@link LlmStartupException}, however deep in the bean creation's causes.
 */
class LlmStartupFailureAnalyzerTests {

	@Test
	void springBootFindsTheAnalyzer() {
		List<String> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			// Boot's own analyzers need a bean factory; they are not what this test is
			// about.
			.load(FailureAnalyzer.class, FailureHandler.handleMessage((message, failure) -> {
			}))
			.stream()
			.map((analyzer) -> analyzer.getClass().getName())
			.filter((name) -> name.startsWith("io.github.llmresilience."))
			.toList();
		assertThat(analyzers).containsExactly(LlmStartupFailureAnalyzer.class.getName());
	}

	@Test
	void everyStartupExceptionIsReportedWithItsDescriptionAndAction() {
		List<LlmStartupException> failures = List.of(new LlmCallConfigurationException("bad call", "write this"),
				new ResilienceInstanceConflictException("taken name", "rename that"),
				new SharedStateUnavailableException("no Redis", "add Redis"));
		for (LlmStartupException failure : failures) {
			FailureAnalysis analysis = new LlmStartupFailureAnalyzer()
				.analyze(new BeanCreationException("someBean", "Failed to create", failure));
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).isEqualTo(failure.getMessage());
			assertThat(analysis.getAction()).isEqualTo(failure.action());
			assertThat(analysis.getCause()).isSameAs(failure);
		}
	}

}
