package io.github.llmresilience.client;

import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Removes API keys from text a provider sent back, such as OpenAI's "Incorrect API key
 * provided: sk-abc...xyz", before it becomes part of an exception message or a log line.
 */
final class SecretRedactor {

	static final String REDACTED = "[REDACTED]";

	// OpenAI-style keys (sk-..., sk-proj-..., possibly masked with '*') and bearer
	// tokens.
	private static final Pattern KEY_LIKE = Pattern
		.compile("(?i)(\\bsk-[A-Za-z0-9_*.\\-]{3,})|(\\bbearer\\s+[A-Za-z0-9_*.\\-~+/]+=*)");

	private SecretRedactor() {
	}

	static @Nullable String redact(@Nullable String text, @Nullable String apiKey) {
		if (text == null) {
			return null;
		}
		String redacted = text;
		if (apiKey != null && !apiKey.isEmpty()) {
			redacted = redacted.replace(apiKey, REDACTED);
		}
		return KEY_LIKE.matcher(redacted).replaceAll(REDACTED);
	}

}
