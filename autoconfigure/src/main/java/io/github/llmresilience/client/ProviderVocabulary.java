package io.github.llmresilience.client;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.FailureKind;

/**
 * The words real providers use in their errors: the codes and types, the phrases of their
 * messages and the status words that {@link FailureClassifier} decides from. Each entry
 * names the fixture of the provider catalogue ({@code providers/index.json} in the tests)
 * where a provider was seen sending it, or says that the catalogue has none yet; a test
 * holds every named fixture to exist, to contain the entry and to be classified as the
 * entry's kind. Adding a word is adding its fixture.
 */
final class ProviderVocabulary {

	/**
	 * Codes and types that say the account's quota or credits are used up.
	 */
	static final Words QUOTA_CODES = Words.of(FailureKind.QUOTA_EXHAUSTED,
			proven("insufficient_quota", "openai/insufficient-quota"), unproven("insufficient_credits"),
			unproven("insufficient_balance"), unproven("billing_error"), unproven("billing_hard_limit_reached"),
			unproven("enforced_spend_limit_reached"));

	/**
	 * Codes and types that say a content filter or moderation refused the request.
	 */
	static final Words CONTENT_FILTER_CODES = Words.of(FailureKind.CONTENT_FILTER,
			proven("content_filter", "azure/content-filter"), unproven("content_policy_violation"),
			proven("invalid_prompt", "openai/invalid-prompt"),
			proven("responsibleaipolicyviolation", "azure/content-filter"), unproven("content_filter_error"));

	/**
	 * Codes and types that say the prompt does not fit the model's context.
	 */
	static final Words CONTEXT_CODES = Words.of(FailureKind.CONTEXT_LENGTH,
			proven("context_length_exceeded", "openai/context-length-exceeded"),
			proven("exceed_context_size_error", "llamacpp/context-size-500"), unproven("context_window_exceeded"));

	/**
	 * Codes and types that say the model or deployment does not exist.
	 */
	static final Words MODEL_NOT_FOUND_CODES = Words.of(FailureKind.NOT_FOUND,
			proven("model_not_found", "openai/model-not-found"),
			proven("model_not_available", "together/model-not-available"),
			proven("deploymentnotfound", "azure/deployment-not-found"));

	/**
	 * What a message says when the prompt does not fit the model's context, as real
	 * providers word it.
	 */
	static final Words CONTEXT_PHRASES = Words.of(FailureKind.CONTEXT_LENGTH,
			proven("maximum context length", "openai/context-length-exceeded"), unproven("context length exceeded"),
			proven("context_length_exceeded", "openai/context-length-exceeded"),
			proven("prompt is too long", "anthropic/prompt-too-long"), unproven("prompt too long"),
			unproven("input is too long"), proven("exceeds the available context size", "llamacpp/context-size-500"),
			unproven("context size has been exceeded"), unproven("exceed context window"),
			unproven("exceeds the context window"), unproven("exceeds the model's context"),
			unproven("exceeds the maximum context"),
			proven("exceeds the maximum number of tokens", "gemini-openai/context-length"),
			proven("maximum number of tokens allowed", "gemini-openai/context-length"),
			proven("input token count", "gemini-openai/context-length"), unproven("too many input tokens"),
			unproven("when context the overflows"), unproven("context length of only"),
			proven("reduce the length of the messages", "openai/context-length-exceeded"),
			unproven("maximum model length"), unproven("tokens + `max_new_tokens` must be"));

	/**
	 * What a 413 or 429 says when one request is larger than the limit: waiting cannot
	 * help.
	 */
	static final Words REQUEST_TOO_LARGE_PHRASES = Words.of(FailureKind.CONTEXT_LENGTH,
			proven("request too large", "openai/request-too-large"), unproven("request is too large"));

	/**
	 * What a message says when the credit balance or spend limit is used up.
	 */
	static final Words QUOTA_PHRASES = Words.of(FailureKind.QUOTA_EXHAUSTED,
			proven("credit balance", "anthropic/credit-balance-too-low"), unproven("spend limit"),
			unproven("spending limit"), proven("insufficient balance", "deepseek/insufficient-balance"),
			proven("insufficient credits", "openrouter/insufficient-credits"), unproven("insufficient funds"),
			unproven("out of credits"), proven("exceeded your current quota", "openai/insufficient-quota"),
			unproven("billing hard limit"));

	/**
	 * What a local server's 400 says when no model is loaded or the model is unknown.
	 */
	static final Words MODEL_NOT_LOADED_PHRASES = Words.of(FailureKind.NOT_FOUND, unproven("no model loaded"),
			proven("no models loaded", "lmstudio/no-models-loaded"), unproven("model is not loaded"),
			unproven("model not loaded"), unproven("unknown model"),
			proven("model_not_found", "openai/model-not-found"));

	/**
	 * The status a code, type or status word of an error object stands for, when it is
	 * not a number: Google's status words, OpenAI's and Anthropic's types and codes.
	 */
	static final List<StatusWord> STATUS_WORDS = List.of(word("rate_limit_exceeded", 429, "openai/rate-limit-tpm"),
			word("rate_limit_error", 429, "anthropic/rate-limit"), word("rate_limited", 429, "mistral/rate-limited"),
			word("too_many_requests", 429), word("resource_exhausted", 429, "gemini-openai/rate-limit"),
			word("tokens", 429, "openai/rate-limit-tpm"), word("requests", 429),
			word("invalid_request_error", 400, "anthropic/credit-balance-too-low"), word("bad_request", 400),
			word("badrequesterror", 400, "vllm/context-length"),
			word("invalid_argument", 400, "gemini-openai/context-length"), word("failed_precondition", 400),
			word("out_of_range", 400), word("invalid_api_key", 401, "openai/invalid-api-key"),
			word("authentication_error", 401), word("unauthorized", 401), word("unauthenticated", 401),
			word("permission_denied", 403), word("permission_error", 403), word("forbidden", 403),
			word("not_found", 404), word("not_found_error", 404, "anthropic/model-not-found"),
			word("notfounderror", 404, "vllm/model-not-found"), word("timeout", 408), word("request_timeout", 408),
			word("timeout_error", 408), word("deadline_exceeded", 408), word("conflict", 409), word("aborted", 409),
			word("request_too_large", 413), word("overloaded_error", 529, "anthropic/overloaded"),
			word("overloaded", 529), word("unavailable", 503, "gemini/overloaded"),
			word("unavailable_error", 503, "llamacpp/loading-model"), word("service_unavailable", 503));

	/**
	 * Every list of words, for the tests.
	 */
	static final List<Words> ALL = List.of(QUOTA_CODES, CONTENT_FILTER_CODES, CONTEXT_CODES, MODEL_NOT_FOUND_CODES,
			CONTEXT_PHRASES, REQUEST_TOO_LARGE_PHRASES, QUOTA_PHRASES, MODEL_NOT_LOADED_PHRASES);

	private static final Map<String, Integer> STATUS_OF_WORD = STATUS_WORDS.stream()
		.collect(Collectors.toUnmodifiableMap(StatusWord::word, StatusWord::status));

	private ProviderVocabulary() {
	}

	/**
	 * Return the status a word stands for.
	 * @param word the code, type or status word, in lower case
	 * @return the status, or {@code null} for a word that stands for none
	 */
	static @Nullable Integer statusOf(String word) {
		return STATUS_OF_WORD.get(word);
	}

	private static Entry proven(String text, String fixture) {
		return new Entry(text, fixture);
	}

	private static Entry unproven(String text) {
		return new Entry(text, null);
	}

	private static StatusWord word(String word, int status, String fixture) {
		return new StatusWord(word, status, fixture);
	}

	private static StatusWord word(String word, int status) {
		return new StatusWord(word, status, null);
	}

	/**
	 * A word or phrase, in lower case, and the fixture that shows a provider sending it.
	 *
	 * @param text the word or phrase
	 * @param fixture the id of the catalogue's fixture, or {@code null} if it has none
	 * yet
	 */
	record Entry(String text, @Nullable String fixture) {

	}

	/**
	 * A status word and the status it stands for.
	 *
	 * @param word the word, in lower case
	 * @param status the HTTP status
	 * @param fixture the id of the catalogue's fixture, or {@code null} if it has none
	 * yet
	 */
	record StatusWord(String word, int status, @Nullable String fixture) {

	}

	/**
	 * Words that say one kind of failure.
	 *
	 * @param kind the kind they say
	 * @param entries the words
	 */
	record Words(FailureKind kind, List<Entry> entries, Set<String> texts) {

		static Words of(FailureKind kind, Entry... entries) {
			return new Words(kind, List.of(entries), Set.copyOf(List.of(entries).stream().map(Entry::text).toList()));
		}

		/**
		 * Whether a code or type is one of the words.
		 * @param code the code, in lower case
		 * @return whether it is
		 */
		boolean is(String code) {
			return this.texts.contains(code);
		}

		/**
		 * Whether a message contains one of the words.
		 * @param message the message, in lower case
		 * @return whether it does
		 */
		boolean in(String message) {
			for (Entry entry : this.entries) {
				if (message.contains(entry.text())) {
					return true;
				}
			}
			return false;
		}

	}

}
