package io.github.llmresilience.client;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.client.OpenAiJson.ProviderError;

/**
 * Gives every failed HTTP answer exactly one {@link FailureKind}, from the status and the
 * provider's error code alone.
 */
final class FailureClassifier {

	static final String INSUFFICIENT_QUOTA = "insufficient_quota";

	static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";

	static final String CONTENT_FILTER = "content_filter";

	private FailureClassifier() {
	}

	/**
	 * Classify a non-2xx answer.
	 * @param status the HTTP status
	 * @param error the provider's error
	 * @return the kind
	 */
	static FailureKind ofStatus(int status, ProviderError error) {
		String code = lower(error.code());
		String type = lower(error.type());
		if (status == 402) {
			return FailureKind.QUOTA_EXHAUSTED;
		}
		if (status == 429) {
			return (INSUFFICIENT_QUOTA.equals(code) || INSUFFICIENT_QUOTA.equals(type)) ? FailureKind.QUOTA_EXHAUSTED
					: FailureKind.RATE_LIMITED;
		}
		if (status == 408) {
			return FailureKind.TIMEOUT;
		}
		if (status == 409) {
			return FailureKind.CONFLICT;
		}
		if (status == 401) {
			return FailureKind.AUTH;
		}
		if (status == 403) {
			return namesModeration(error) ? FailureKind.CONTENT_FILTER : FailureKind.AUTH;
		}
		if (status == 404) {
			return FailureKind.NOT_FOUND;
		}
		if (status == 400) {
			if (CONTEXT_LENGTH_EXCEEDED.equals(code)) {
				return FailureKind.CONTEXT_LENGTH;
			}
			if (CONTENT_FILTER.equals(code)) {
				return FailureKind.CONTENT_FILTER;
			}
			return FailureKind.BAD_REQUEST;
		}
		if (status >= 500 && status <= 599) {
			return FailureKind.SERVER_ERROR;
		}
		if (status >= 400 && status <= 499) {
			return FailureKind.BAD_REQUEST;
		}
		// A 1xx or 3xx that was not followed is no completion either.
		return FailureKind.MALFORMED_RESPONSE;
	}

	/**
	 * Return the HTTP status an error object inside a 2xx body or an SSE event stands for: its
	 * numeric code, or the status that goes with a known string code. An unknown code is read as
	 * a server error (500), which is what such mid-answer errors are in practice.
	 * @param error the error object
	 * @return the status to classify it as
	 */
	static int statusOfErrorObject(ProviderError error) {
		if (error.numericCode() != null && error.numericCode() >= 100 && error.numericCode() <= 599) {
			return error.numericCode();
		}
		String code = lower(error.code());
		if (code != null && code.chars().allMatch(Character::isDigit) && code.length() == 3) {
			return Integer.parseInt(code);
		}
		String key = (code != null) ? code : lower(error.type());
		if (key == null) {
			return 500;
		}
		return switch (key) {
			case "rate_limit_exceeded", "rate_limit_error", "rate_limited", "too_many_requests" -> 429;
			case INSUFFICIENT_QUOTA -> 429;
			case CONTEXT_LENGTH_EXCEEDED, CONTENT_FILTER, "invalid_request_error", "bad_request" -> 400;
			case "invalid_api_key", "authentication_error", "unauthorized" -> 401;
			case "permission_denied", "permission_error", "forbidden" -> 403;
			case "model_not_found", "not_found", "not_found_error" -> 404;
			case "timeout", "request_timeout" -> 408;
			case "conflict" -> 409;
			default -> 500;
		};
	}

	private static boolean namesModeration(ProviderError error) {
		return contains(error.code(), "moderation") || contains(error.type(), "moderation")
				|| contains(error.message(), "moderation") || CONTENT_FILTER.equals(lower(error.code()));
	}

	private static boolean contains(@Nullable String text, String word) {
		return text != null && text.toLowerCase(Locale.ROOT).contains(word);
	}

	private static @Nullable String lower(@Nullable String text) {
		return (text != null) ? text.toLowerCase(Locale.ROOT) : null;
	}

}
