package io.github.llmresilience.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.execution.ResilienceInstanceConflictException;

/**
 * Explains a Resilience4j instance registered under one of llm-resilience's names, and
 * what to do instead.
 */
class ResilienceInstanceConflictFailureAnalyzer extends AbstractFailureAnalyzer<ResilienceInstanceConflictException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ResilienceInstanceConflictException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
	}

}
