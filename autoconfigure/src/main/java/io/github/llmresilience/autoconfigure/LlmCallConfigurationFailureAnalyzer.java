package io.github.llmresilience.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.llmresilience.interceptor.LlmCallConfigurationException;

/**
 * Explains an {@code @LlmCall} that cannot work as written, and what to write instead.
 */
class LlmCallConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<LlmCallConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, LlmCallConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
	}

}
