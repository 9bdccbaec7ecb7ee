package io.github.llmresilience.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SecretRedactorTests {

	@Test
	void theConfiguredKeyIsRemoved() {
		assertThat(SecretRedactor.redact("bad key my-secret-key-123 given", "my-secret-key-123"))
			.isEqualTo("bad key [REDACTED] given");
	}

	@Test
	void maskedOpenAiKeysAreRemoved() {
		assertThat(SecretRedactor.redact("Incorrect API key provided: sk-proj-abc1****************wxyz. You can find "
				+ "your API key at https://platform.openai.com/account/api-keys.", null))
			.doesNotContain("sk-")
			.doesNotContain("abc1")
			.contains("[REDACTED]");
	}

	@Test
	void bearerTokensAreRemoved() {
		assertThat(SecretRedactor.redact("header Bearer abc.def-ghi was rejected", null))
			.isEqualTo("header [REDACTED] was rejected");
	}

	@Test
	void ordinaryMessagesAreKept() {
		assertThat(SecretRedactor.redact("Rate limit reached for gpt-4o in organization org-x", null))
			.isEqualTo("Rate limit reached for gpt-4o in organization org-x");
	}

}
