package io.github.llmresilience.client;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What a provider said about a failure, read from whichever body shape it sent.
 *
 * @param code the error's {@code code} as text: a word such as
 * {@code insufficient_quota}, or a number such as {@code 429} written as text;
 * {@code null} if it sent none
 * @param type the error's {@code type}, such as {@code invalid_request_error}
 * @param message the message, or {@code null}
 * @param numericCode the code, or the numeric status the body names, when it is a whole
 * number
 * @param status Google's status word, such as {@code RESOURCE_EXHAUSTED}
 * @param detailCodes further codes the body names: Azure's {@code innererror.code},
 * Anthropic's {@code details.error_code}
 * @param retryDelay the wait a Google {@code RetryInfo} in the body asks for
 */
record ProviderError(@Nullable String code, @Nullable String type, @Nullable String message,
		@Nullable Integer numericCode, @Nullable String status, List<String> detailCodes,
		@Nullable Duration retryDelay) {

	static final ProviderError NONE = new ProviderError(null, null, null, null);

	ProviderError {
		detailCodes = List.copyOf(detailCodes);
	}

	ProviderError(@Nullable String code, @Nullable String type, @Nullable String message,
			@Nullable Integer numericCode) {
		this(code, type, message, numericCode, null, List.of(), null);
	}

	/**
	 * Return the code to report: the {@code code}, else the {@code type}.
	 * @return the code, or {@code null}
	 */
	@Nullable String reportedCode() {
		return (this.code != null) ? this.code : this.type;
	}

}
