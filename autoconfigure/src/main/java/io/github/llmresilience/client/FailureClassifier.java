package io.github.llmresilience.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.core.codec.CodecException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.client.OpenAiWire.MalformedBodyException;
import io.github.llmresilience.client.ProviderVocabulary.Words;
import io.github.llmresilience.support.DurationText;

/**
 * The one place where a failed answer or an exception becomes an {@link LlmException} of
 * exactly one {@link FailureKind}, with its status, the provider's code and message, the
 * wait the server asked for and its {@code x-should-retry} hint.
 * <p>
 * An answer is classified from the whole of it: the status first, then the provider's
 * code and type, then its message for the cases real providers do not flag otherwise (a
 * context overflow, credits used up, a model that is not loaded). An error object inside
 * a 2xx body or an SSE event is classified as the status its code stands for.
 */
final class FailureClassifier {

	/**
	 * The header OpenAI and Anthropic send to say whether a retry may succeed.
	 */
	static final String SHOULD_RETRY = "x-should-retry";

	private static final Pattern CONTEXT_MEASURE = Pattern.compile("context[ _-]?(length|size|window|limit)");

	private final ProviderSettings settings;

	private final Clock clock;

	private final String property;

	FailureClassifier(ProviderSettings settings, Clock clock) {
		this.settings = settings;
		this.clock = clock;
		this.property = "llm.providers." + settings.name();
	}

	/**
	 * Classify a non-2xx answer.
	 * @param status the HTTP status
	 * @param headers its headers
	 * @param body its body, which need not be JSON
	 * @param exchange the exchange
	 * @return the failure
	 */
	LlmException ofAnswer(int status, HttpHeaders headers, byte[] body, ExchangeState exchange) {
		MediaType contentType = headers.getContentType();
		ProviderError error = ErrorBodies.read(body, (contentType != null) ? contentType.getCharset() : null);
		Duration wait = serverWait(status, headers, error);
		return builder(kindOf(status, error, wait != null), exchange).status(status)
			.errorCode(error.reportedCode())
			.providerMessage(SecretRedactor.redact(error.message(), this.settings.apiKey()))
			.retryAfter(wait)
			.serverRetryHint(shouldRetry(headers))
			.requestSent(true)
			.build();
	}

	/**
	 * Classify an error object found in a 2xx body or in an SSE event, as the status its
	 * code stands for.
	 * @param error the error
	 * @param headers the headers of the answer
	 * @param exchange the exchange
	 * @return the failure
	 */
	LlmException ofErrorObject(ProviderError error, HttpHeaders headers, ExchangeState exchange) {
		int status = statusOfErrorObject(error);
		Duration wait = serverWait(status, headers, error);
		String code = error.reportedCode();
		return builder(kindOf(status, error, wait != null), exchange).status(status)
			.description("error object with code " + ((code != null) ? code : status) + " in a 2xx answer")
			.errorCode(code)
			.providerMessage(SecretRedactor.redact(error.message(), this.settings.apiKey()))
			.retryAfter(wait)
			.serverRetryHint(shouldRetry(headers))
			.requestSent(true)
			.build();
	}

	/**
	 * A completion or a chunk that ended with finish reason {@code content_filter}.
	 * @param exchange the exchange
	 * @return the failure
	 */
	LlmException contentFiltered(ExchangeState exchange) {
		return failure(FailureKind.CONTENT_FILTER, exchange, "finish reason content_filter", true, null);
	}

	/**
	 * A chunk that ended with finish reason {@code error} and no error object (OpenRouter
	 * sends one with it; a server that sends none failed all the same).
	 * @param exchange the exchange
	 * @return the failure
	 */
	LlmException finishedWithError(ExchangeState exchange) {
		return builder(FailureKind.SERVER_ERROR, exchange).status(500)
			.description("finish reason error")
			.requestSent(true)
			.build();
	}

	/**
	 * A stream that ended before {@code [DONE]} and without a finish reason.
	 * @param exchange the exchange
	 * @return the failure
	 */
	LlmException truncated(ExchangeState exchange) {
		return failure(FailureKind.CONNECTION, exchange, "the stream ended before [DONE] and without a finish reason",
				true, null);
	}

	/**
	 * A non-streaming answer that was not complete within its read timeout.
	 * @param exchange the exchange
	 * @param description what the timeout means
	 * @return the failure
	 */
	LlmException timedOut(ExchangeState exchange, String description) {
		return failure(FailureKind.TIMEOUT, exchange, description, exchange.requestSent(), null);
	}

	/**
	 * Give an exception its kind. An {@link LlmException} and anything that is not a
	 * transport or decoding failure pass through unchanged.
	 * @param ex the exception
	 * @param exchange the exchange
	 * @return the classified exception
	 */
	Throwable ofException(Throwable ex, ExchangeState exchange) {
		if (ex instanceof LlmException) {
			return ex;
		}
		if (ex instanceof TimeoutException) {
			String description = exchange.timeoutDescription();
			return failure(FailureKind.TIMEOUT, exchange, (description != null) ? description : "timed out",
					exchange.requestSent(), ex);
		}
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			LlmException classified = ofCause(cause, ex, exchange);
			if (classified != null) {
				return classified;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		if (ex instanceof WebClientRequestException) {
			// The request could not be carried out for a reason none of the above names,
			// such as a
			// pooled connection that was closed while it was handed over: a failure of
			// the
			// connection, never of the caller.
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			return failure(FailureKind.CONNECTION, exchange,
					"the request could not be sent (" + cause.getClass().getSimpleName() + ")", exchange.requestSent(),
					ex);
		}
		return ex;
	}

	private @Nullable LlmException ofCause(Throwable cause, Throwable ex, ExchangeState exchange) {
		if (cause instanceof MalformedBodyException) {
			return failure(FailureKind.MALFORMED_RESPONSE, exchange,
					"the answer is not a valid completion: " + cause.getMessage(), true, null);
		}
		if (cause instanceof DataBufferLimitException) {
			return failure(
					FailureKind.MALFORMED_RESPONSE, exchange, "the answer (or one event of the stream) is larger than "
							+ format(this.settings.maxResponseSize()) + " (" + this.property + ".max-response-size)",
					true, ex);
		}
		if (cause.getClass().getSimpleName().equals("PoolAcquireTimeoutException")) {
			String message = "no free connection to " + this.settings.name() + " within "
					+ DurationText.format(this.settings.pendingAcquireTimeout()) + " (" + this.property
					+ ".pending-acquire-timeout, max-connections)";
			return failure(FailureKind.CONNECTION, exchange, message, false,
					new ConnectionPoolExhaustedException(message, cause));
		}
		if (cause instanceof io.netty.handler.timeout.TimeoutException) {
			return failure(FailureKind.TIMEOUT, exchange, "the connection timed out", exchange.requestSent(), ex);
		}
		if (cause instanceof io.netty.channel.ConnectTimeoutException) {
			return failure(FailureKind.CONNECTION, exchange, "could not connect within "
					+ DurationText.format(this.settings.connectTimeout()) + " (" + this.property + ".connect-timeout)",
					false, ex);
		}
		if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
			return failure(FailureKind.CONNECTION, exchange,
					(cause instanceof UnknownHostException) ? "unknown host" : "connection refused", false, ex);
		}
		if (cause instanceof PrematureCloseException || cause instanceof ClosedChannelException
				|| cause instanceof IOException || cause instanceof io.netty.channel.ChannelException) {
			return failure(FailureKind.CONNECTION, exchange, "the connection was closed before the answer was complete",
					exchange.requestSent(), ex);
		}
		if (cause instanceof CodecException) {
			return failure(FailureKind.MALFORMED_RESPONSE, exchange, "the answer could not be decoded", true, ex);
		}
		return null;
	}

	/**
	 * A size as it is configured: {@code 16MB}, {@code 256KB}, {@code 1000B}.
	 */
	static String format(DataSize size) {
		long bytes = size.toBytes();
		if (bytes % (1024 * 1024) == 0) {
			return size.toMegabytes() + "MB";
		}
		return (bytes % 1024 == 0) ? size.toKilobytes() + "KB" : bytes + "B";
	}

	/**
	 * A failure that is not a provider's answer: its kind, what happened, whether the
	 * request had been sent, and the exception it came from, if any.
	 */
	private LlmException failure(FailureKind kind, ExchangeState exchange, String description, boolean requestSent,
			@Nullable Throwable cause) {
		return builder(kind, exchange).description(description).requestSent(requestSent).cause(cause).build();
	}

	private LlmException.Builder builder(FailureKind kind, ExchangeState exchange) {
		return LlmException.builder(kind).target(this.settings.name(), exchange.model()).attempts(1);
	}

	/**
	 * The wait the server asked for, in this order: {@code retry-after-ms},
	 * {@code Retry-After} (seconds or an HTTP-date), Google's
	 * {@code RetryInfo.retryDelay} in the body, then, for a 429 that has none of those,
	 * the reset of an exhausted {@code x-ratelimit-*} (or {@code anthropic-ratelimit-*})
	 * limit of the same answer.
	 */
	@Nullable Duration serverWait(int status, HttpHeaders headers, ProviderError error) {
		Instant now = this.clock.instant();
		Duration wait = RetryAfter.parse(headers.getFirst(RetryAfter.RETRY_AFTER_MS),
				headers.getFirst(RetryAfter.RETRY_AFTER), now);
		if (wait == null) {
			wait = error.retryDelay();
		}
		if (wait == null && status == 429) {
			Instant reset = RateLimitHeaders.parse(headers, now).exhaustedUntil(now);
			wait = (reset != null) ? Duration.between(now, reset) : null;
		}
		return wait;
	}

	private static @Nullable Boolean shouldRetry(HttpHeaders headers) {
		String value = headers.getFirst(SHOULD_RETRY);
		if (value == null) {
			return null;
		}
		String hint = value.strip().toLowerCase(Locale.ROOT);
		return hint.equals("true") ? Boolean.TRUE : hint.equals("false") ? Boolean.FALSE : null;
	}

	/**
	 * Give an answer its kind: the status first, then the provider's codes, then its
	 * message where status and code do not say enough.
	 * @param status the HTTP status, or the status an error object stands for
	 * @param error what the provider said
	 * @param serverAskedToWait whether the answer carries a server-requested wait
	 * @return the kind
	 */
	static FailureKind kindOf(int status, ProviderError error, boolean serverAskedToWait) {
		if (status < 400 || status > 599) {
			// A 1xx, 2xx or 3xx that was not followed is no completion either.
			return FailureKind.MALFORMED_RESPONSE;
		}
		String message = ErrorBodies.lower(error.message());
		boolean client = status < 500;
		if (status == 429) {
			if (hasCode(error, ProviderVocabulary.QUOTA_CODES)
					|| (!serverAskedToWait && ProviderVocabulary.QUOTA_PHRASES.in(message))) {
				return FailureKind.QUOTA_EXHAUSTED;
			}
			// One request larger than the per-minute limit: waiting cannot help.
			return ProviderVocabulary.REQUEST_TOO_LARGE_PHRASES.in(message) ? FailureKind.CONTEXT_LENGTH
					: FailureKind.RATE_LIMITED;
		}
		if (status == 402) {
			return FailureKind.QUOTA_EXHAUSTED;
		}
		if (client && hasCode(error, ProviderVocabulary.CONTENT_FILTER_CODES)) {
			return FailureKind.CONTENT_FILTER;
		}
		if (client && hasCode(error, ProviderVocabulary.CONTEXT_CODES)) {
			return FailureKind.CONTEXT_LENGTH;
		}
		if (client && hasCode(error, ProviderVocabulary.MODEL_NOT_FOUND_CODES)) {
			return FailureKind.NOT_FOUND;
		}
		if (status == 401) {
			return FailureKind.AUTH;
		}
		if (status == 403) {
			if (names(error, "moderation") || message.contains("flagged")) {
				return FailureKind.CONTENT_FILTER;
			}
			return (hasCode(error, ProviderVocabulary.QUOTA_CODES) || ProviderVocabulary.QUOTA_PHRASES.in(message))
					? FailureKind.QUOTA_EXHAUSTED : FailureKind.AUTH;
		}
		if (status == 404) {
			return FailureKind.NOT_FOUND;
		}
		if (status == 408) {
			return FailureKind.TIMEOUT;
		}
		if (status == 409) {
			return FailureKind.CONFLICT;
		}
		if (client) {
			if (hasCode(error, ProviderVocabulary.QUOTA_CODES)
					|| (status == 400 && ProviderVocabulary.QUOTA_PHRASES.in(message))) {
				return FailureKind.QUOTA_EXHAUSTED;
			}
			if (saysContextIsExceeded(message)
					|| (status == 413 && ProviderVocabulary.REQUEST_TOO_LARGE_PHRASES.in(message))) {
				return FailureKind.CONTEXT_LENGTH;
			}
			if (status == 400
					&& (ProviderVocabulary.MODEL_NOT_LOADED_PHRASES.in(message) || saysModelDoesNotExist(message))) {
				return FailureKind.NOT_FOUND;
			}
			return FailureKind.BAD_REQUEST;
		}
		// llama.cpp answers a context overflow with a 500.
		if (hasCode(error, ProviderVocabulary.CONTEXT_CODES) || saysContextIsExceeded(message)) {
			return FailureKind.CONTEXT_LENGTH;
		}
		return FailureKind.SERVER_ERROR;
	}

	/**
	 * Return the HTTP status an error object inside a 2xx body or an SSE event stands
	 * for: its numeric code (a number or a numeric string) when that is a status, else
	 * the status that goes with Google's status word or with a known code or type. An
	 * unknown code is read as a server error (500), which is what such mid-answer errors
	 * are in practice.
	 * @param error the error object
	 * @return the status to classify it as
	 */
	static int statusOfErrorObject(ProviderError error) {
		Integer numeric = error.numericCode();
		String code = ErrorBodies.lower(error.code());
		if (numeric == null && code.length() == 3 && code.chars().allMatch(Character::isDigit)) {
			numeric = Integer.parseInt(code);
		}
		if (numeric != null && numeric >= 400 && numeric <= 599) {
			return numeric;
		}
		Integer fromStatus = statusOfWord(ErrorBodies.lower(error.status()));
		if (fromStatus != null) {
			return fromStatus;
		}
		for (String key : List.of(ErrorBodies.lower(error.code()), ErrorBodies.lower(error.type()))) {
			Integer status = statusOfWord(key);
			if (status != null) {
				return status;
			}
		}
		return 500;
	}

	private static @Nullable Integer statusOfWord(String key) {
		if (key.isEmpty()) {
			return null;
		}
		if (ProviderVocabulary.QUOTA_CODES.is(key)) {
			return key.equals("insufficient_quota") ? 429 : 402;
		}
		if (ProviderVocabulary.CONTENT_FILTER_CODES.is(key) || ProviderVocabulary.CONTEXT_CODES.is(key)) {
			return 400;
		}
		if (ProviderVocabulary.MODEL_NOT_FOUND_CODES.is(key)) {
			return 404;
		}
		return ProviderVocabulary.statusOf(key);
	}

	private static boolean hasCode(ProviderError error, Words codes) {
		if (codes.is(ErrorBodies.lower(error.code())) || codes.is(ErrorBodies.lower(error.type()))) {
			return true;
		}
		for (String detail : error.detailCodes()) {
			if (codes.is(ErrorBodies.lower(detail))) {
				return true;
			}
		}
		return false;
	}

	private static boolean names(ProviderError error, String word) {
		if (ErrorBodies.lower(error.code()).contains(word) || ErrorBodies.lower(error.type()).contains(word)
				|| ErrorBodies.lower(error.message()).contains(word)) {
			return true;
		}
		return error.detailCodes().stream().anyMatch((detail) -> ErrorBodies.lower(detail).contains(word));
	}

	/**
	 * Whether a message says the prompt does not fit the model's context: one of the
	 * phrases real providers use, or any message that names the context's length, size,
	 * window or limit and says it is exceeded ("exceeds the context window", "longer than
	 * the model's context length"). A "context deadline exceeded" (Go's timeout) is no
	 * such message.
	 */
	private static boolean saysContextIsExceeded(String message) {
		if (ProviderVocabulary.CONTEXT_PHRASES.in(message)) {
			return true;
		}
		return CONTEXT_MEASURE.matcher(message).find() && (message.contains("exceed") || message.contains("overflow")
				|| message.contains("too long") || message.contains("longer than"));
	}

	/**
	 * "The model `x` does not exist", "model 'x' not found": the message names a model
	 * that the server does not have.
	 */
	private static boolean saysModelDoesNotExist(String message) {
		int model = message.indexOf("model");
		return model >= 0 && (message.indexOf("does not exist", model) > 0 || message.indexOf("not found", model) > 0);
	}

}
