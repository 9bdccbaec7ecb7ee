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
import java.util.Set;
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

	private static final Set<String> QUOTA_CODES = Set.of("insufficient_quota", "insufficient_credits",
			"insufficient_balance", "billing_error", "billing_hard_limit_reached", "enforced_spend_limit_reached");

	private static final Set<String> CONTENT_FILTER_CODES = Set.of("content_filter", "content_policy_violation",
			"invalid_prompt", "responsibleaipolicyviolation", "content_filter_error");

	private static final Set<String> CONTEXT_CODES = Set.of("context_length_exceeded", "exceed_context_size_error",
			"context_window_exceeded");

	private static final Set<String> MODEL_NOT_FOUND_CODES = Set.of("model_not_found", "model_not_available",
			"deploymentnotfound");

	/**
	 * What a message says when the prompt does not fit the model's context, as real
	 * providers word it.
	 */
	private static final List<String> CONTEXT_PHRASES = List.of("maximum context length", "context length exceeded",
			"context_length_exceeded", "prompt is too long", "prompt too long", "input is too long",
			"exceeds the available context size", "context size has been exceeded", "exceed context window",
			"exceeds the context window", "exceeds the model's context", "exceeds the maximum context",
			"exceeds the maximum number of tokens", "maximum number of tokens allowed", "input token count",
			"too many input tokens", "when context the overflows", "context length of only",
			"reduce the length of the messages", "maximum model length", "tokens + `max_new_tokens` must be");

	private static final Pattern CONTEXT_MEASURE = Pattern.compile("context[ _-]?(length|size|window|limit)");

	private static final List<String> REQUEST_TOO_LARGE_PHRASES = List.of("request too large", "request is too large");

	private static final List<String> QUOTA_PHRASES = List.of("credit balance", "spend limit", "spending limit",
			"insufficient balance", "insufficient credits", "insufficient funds", "out of credits",
			"exceeded your current quota", "billing hard limit");

	private static final List<String> MODEL_NOT_LOADED_PHRASES = List.of("no model loaded", "no models loaded",
			"model is not loaded", "model not loaded", "unknown model", "model_not_found");

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
		return builder(FailureKind.CONTENT_FILTER, exchange).description("finish reason content_filter")
			.requestSent(true)
			.build();
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
		return builder(FailureKind.CONNECTION, exchange)
			.description("the stream ended before [DONE] and without a finish reason")
			.requestSent(true)
			.build();
	}

	/**
	 * A non-streaming answer that was not complete within its read timeout.
	 * @param exchange the exchange
	 * @param description what the timeout means
	 * @return the failure
	 */
	LlmException timedOut(ExchangeState exchange, String description) {
		return builder(FailureKind.TIMEOUT, exchange).description(description)
			.requestSent(exchange.requestSent())
			.build();
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
			return builder(FailureKind.TIMEOUT, exchange).description((description != null) ? description : "timed out")
				.requestSent(exchange.requestSent())
				.cause(ex)
				.build();
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
			return builder(FailureKind.CONNECTION, exchange)
				.description("the request could not be sent (" + cause.getClass().getSimpleName() + ")")
				.requestSent(exchange.requestSent())
				.cause(ex)
				.build();
		}
		return ex;
	}

	private @Nullable LlmException ofCause(Throwable cause, Throwable ex, ExchangeState exchange) {
		if (cause instanceof MalformedBodyException) {
			return builder(FailureKind.MALFORMED_RESPONSE, exchange)
				.description("the answer is not a valid completion: " + cause.getMessage())
				.requestSent(true)
				.build();
		}
		if (cause instanceof DataBufferLimitException) {
			return builder(FailureKind.MALFORMED_RESPONSE, exchange)
				.description("the answer (or one event of the stream) is larger than "
						+ format(this.settings.maxResponseSize()) + " (" + this.property + ".max-response-size)")
				.requestSent(true)
				.cause(ex)
				.build();
		}
		if (cause.getClass().getSimpleName().equals("PoolAcquireTimeoutException")) {
			String message = "no free connection to " + this.settings.name() + " within "
					+ DurationText.format(this.settings.pendingAcquireTimeout()) + " (" + this.property
					+ ".pending-acquire-timeout, max-connections)";
			return builder(FailureKind.CONNECTION, exchange).description(message)
				.requestSent(false)
				.cause(new ConnectionPoolExhaustedException(message, cause))
				.build();
		}
		if (cause instanceof io.netty.handler.timeout.TimeoutException) {
			return builder(FailureKind.TIMEOUT, exchange).description("the connection timed out")
				.requestSent(exchange.requestSent())
				.cause(ex)
				.build();
		}
		if (cause instanceof io.netty.channel.ConnectTimeoutException) {
			return builder(FailureKind.CONNECTION, exchange)
				.description("could not connect within " + DurationText.format(this.settings.connectTimeout()) + " ("
						+ this.property + ".connect-timeout)")
				.requestSent(false)
				.cause(ex)
				.build();
		}
		if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
			return builder(FailureKind.CONNECTION, exchange)
				.description((cause instanceof UnknownHostException) ? "unknown host" : "connection refused")
				.requestSent(false)
				.cause(ex)
				.build();
		}
		if (cause instanceof PrematureCloseException || cause instanceof ClosedChannelException
				|| cause instanceof IOException || cause instanceof io.netty.channel.ChannelException) {
			return builder(FailureKind.CONNECTION, exchange)
				.description("the connection was closed before the answer was complete")
				.requestSent(exchange.requestSent())
				.cause(ex)
				.build();
		}
		if (cause instanceof CodecException) {
			return builder(FailureKind.MALFORMED_RESPONSE, exchange).description("the answer could not be decoded")
				.requestSent(true)
				.cause(ex)
				.build();
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
			if (hasCode(error, QUOTA_CODES) || (!serverAskedToWait && containsAny(message, QUOTA_PHRASES))) {
				return FailureKind.QUOTA_EXHAUSTED;
			}
			// One request larger than the per-minute limit: waiting cannot help.
			return containsAny(message, REQUEST_TOO_LARGE_PHRASES) ? FailureKind.CONTEXT_LENGTH
					: FailureKind.RATE_LIMITED;
		}
		if (status == 402) {
			return FailureKind.QUOTA_EXHAUSTED;
		}
		if (client && hasCode(error, CONTENT_FILTER_CODES)) {
			return FailureKind.CONTENT_FILTER;
		}
		if (client && hasCode(error, CONTEXT_CODES)) {
			return FailureKind.CONTEXT_LENGTH;
		}
		if (client && hasCode(error, MODEL_NOT_FOUND_CODES)) {
			return FailureKind.NOT_FOUND;
		}
		if (status == 401) {
			return FailureKind.AUTH;
		}
		if (status == 403) {
			if (names(error, "moderation") || message.contains("flagged")) {
				return FailureKind.CONTENT_FILTER;
			}
			return (hasCode(error, QUOTA_CODES) || containsAny(message, QUOTA_PHRASES)) ? FailureKind.QUOTA_EXHAUSTED
					: FailureKind.AUTH;
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
			if (hasCode(error, QUOTA_CODES) || (status == 400 && containsAny(message, QUOTA_PHRASES))) {
				return FailureKind.QUOTA_EXHAUSTED;
			}
			if (saysContextIsExceeded(message) || (status == 413 && containsAny(message, REQUEST_TOO_LARGE_PHRASES))) {
				return FailureKind.CONTEXT_LENGTH;
			}
			if (status == 400 && (containsAny(message, MODEL_NOT_LOADED_PHRASES) || saysModelDoesNotExist(message))) {
				return FailureKind.NOT_FOUND;
			}
			return FailureKind.BAD_REQUEST;
		}
		// llama.cpp answers a context overflow with a 500.
		if (hasCode(error, CONTEXT_CODES) || saysContextIsExceeded(message)) {
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
		if (QUOTA_CODES.contains(key)) {
			return key.equals("insufficient_quota") ? 429 : 402;
		}
		if (CONTENT_FILTER_CODES.contains(key) || CONTEXT_CODES.contains(key)) {
			return 400;
		}
		if (MODEL_NOT_FOUND_CODES.contains(key)) {
			return 404;
		}
		return switch (key) {
			case "rate_limit_exceeded", "rate_limit_error", "rate_limited", "too_many_requests", "resource_exhausted",
					"tokens", "requests" ->
				429;
			case "invalid_request_error", "bad_request", "badrequesterror", "invalid_argument", "failed_precondition",
					"out_of_range" ->
				400;
			case "invalid_api_key", "authentication_error", "unauthorized", "unauthenticated" -> 401;
			case "permission_denied", "permission_error", "forbidden" -> 403;
			case "not_found", "not_found_error", "notfounderror" -> 404;
			case "timeout", "request_timeout", "timeout_error", "deadline_exceeded" -> 408;
			case "conflict", "aborted" -> 409;
			case "request_too_large" -> 413;
			case "overloaded_error", "overloaded" -> 529;
			case "unavailable", "unavailable_error", "service_unavailable" -> 503;
			default -> null;
		};
	}

	private static boolean hasCode(ProviderError error, Set<String> codes) {
		if (codes.contains(ErrorBodies.lower(error.code())) || codes.contains(ErrorBodies.lower(error.type()))) {
			return true;
		}
		for (String detail : error.detailCodes()) {
			if (codes.contains(ErrorBodies.lower(detail))) {
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
		if (containsAny(message, CONTEXT_PHRASES)) {
			return true;
		}
		return CONTEXT_MEASURE.matcher(message).find() && (message.contains("exceed") || message.contains("overflow")
				|| message.contains("too long") || message.contains("longer than"));
	}

	private static boolean containsAny(String message, List<String> phrases) {
		for (String phrase : phrases) {
			if (message.contains(phrase)) {
				return true;
			}
		}
		return false;
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
