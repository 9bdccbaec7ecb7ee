package io.github.llmresilience.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.support.LlmStartupException;

/**
 * Explains every start-up that llm-resilience stops ({@link LlmStartupException}): an
 * {@code @LlmCall} that cannot work as written, a Resilience4j instance registered under
 * one of llm-resilience's names, shared state without Redis or bucket4j; and says what to
 * do instead.
 */
class LlmStartupFailureAnalyzer extends AbstractFailureAnalyzer<LlmStartupException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, LlmStartupException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
	}

}
