package io.github.llmresilience.sample;

import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.Served;

/**
 * A text in plain words, and which member of the pool wrote it: the body of
 * {@code POST /api/rewrites}.
 *
 * @param text the rewritten text
 * @param provider the provider of the member that answered
 * @param model the model (the deployment) that was asked
 * @param attempts the HTTP requests the call sent, across every member
 * @param fallback whether a slot after the pool answered (the policy has none)
 */
public record Rewrite(String text, String provider, String model, int attempts, boolean fallback) {

	static Rewrite of(ChatResponse response) {
		Served served = response.served();
		String content = (response.content() != null) ? response.content() : "";
		return new Rewrite(content, served.provider(), served.model(), served.attempts(), served.fallback());
	}

}
