package io.github.llmresilience.sample;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.Served;

/**
 * A headline, and which target wrote it: the body of {@code POST /api/headlines}.
 *
 * @param headline the headline
 * @param provider the provider that answered
 * @param model the model that was asked
 * @param attempts the HTTP requests the call sent, across every target
 * @param fallback whether a target other than the policy's primary answered
 */
public record Headline(String headline, String provider, String model, int attempts, boolean fallback) {

	static Headline of(ChatResponse response) {
		Served served = response.served();
		String content = (response.content() != null) ? response.content() : "";
		return new Headline(content, served.provider(), served.model(), served.attempts(), served.fallback());
	}

}
