package io.github.llmresilience.sample;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.Served;

/**
 * A summary, and which target wrote it: the body of {@code POST /api/summaries}.
 *
 * @param summary the summary
 * @param provider the provider that answered, or {@code none} when no target could
 * @param model the model that was asked, or {@code none}
 * @param attempts the HTTP requests the call sent, across every target
 * @param fallback whether a target other than the policy's primary answered
 */
public record Summary(String summary, String provider, String model, int attempts, boolean fallback) {

	static Summary of(ChatResponse response) {
		Served served = response.served();
		String content = (response.content() != null) ? response.content() : "";
		return new Summary(content, served.provider(), served.model(), served.attempts(), served.fallback());
	}

}
