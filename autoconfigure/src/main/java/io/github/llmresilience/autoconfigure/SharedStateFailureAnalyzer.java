package io.github.llmresilience.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.shared.SharedStateUnavailableException;

/**
 * Explains {@code llm.shared-state.type=redis} without a Redis connection factory, and
 * what to add.
 */
class SharedStateFailureAnalyzer extends AbstractFailureAnalyzer<SharedStateUnavailableException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, SharedStateUnavailableException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
	}

}
