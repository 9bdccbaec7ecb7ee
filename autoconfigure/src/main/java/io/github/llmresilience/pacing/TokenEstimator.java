package io.github.llmresilience.pacing;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

import io.github.llmresilience.ChatMessage;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.ToolCall;

/**
 * Estimates the tokens of a request before it is sent, for the declared token limits, the
 * reservations against a target's rate-limit headers and the context pre-check.
 * <ul>
 * <li><b>Prompt tokens.</b> For an OpenAI model name ({@code gpt-*}, {@code o1}…,
 * {@code chatgpt-*}, {@code text-embedding-*}) while jtokkit
 * ({@code com.knuddels:jtokkit}, an optional dependency) is on the class path: the
 * model's encoding, counted as OpenAI's cookbook counts a chat ("How to count tokens with
 * tiktoken", github.com/openai/openai-cookbook): 3 tokens per message plus its role and
 * content, and 3 that prime the answer. Otherwise, for any model: the characters of every
 * message divided by 4, rounded up, plus 4 per message.</li>
 * <li><b>The answer.</b> The request's {@code max_tokens} or
 * {@code max_completion_tokens}, or none; what the declared limits reserve when the
 * request sets none is the provider's {@code completion-reserve}
 * ({@link Estimate#declared(long)}).</li>
 * <li><b>Embeddings</b> charge their inputs only: the encoding's count of each input, or
 * its characters divided by 4, rounded up.</li>
 * </ul>
 * Thread-safe. An encoding is loaded once, in the background, on first use for a model
 * (loading one takes a second or more, which no request waits for): until it is loaded,
 * that model's requests are counted by the characters / 4 rule.
 */
public final class TokenEstimator {

	private static final String JTOKKIT = "com.knuddels.jtokkit.Encodings";

	/**
	 * Tokens per message when the encoding is not known.
	 */
	static final int FALLBACK_TOKENS_PER_MESSAGE = 4;

	private static final String[] OPENAI_PREFIXES = { "gpt-", "chatgpt-", "o1", "o3", "o4", "text-embedding-" };

	// The models OpenAI's tiktoken maps to o200k_base (tiktoken/model.py).
	private static final String[] O200K_PREFIXES = { "gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3",
			"o4" };

	private final @Nullable Jtokkit jtokkit;

	/**
	 * Create an estimator.
	 * @param useJtokkit whether to count OpenAI models' tokens with jtokkit, which must
	 * then be on the class path
	 */
	public TokenEstimator(boolean useJtokkit) {
		this.jtokkit = useJtokkit ? new Jtokkit() : null;
	}

	/**
	 * Create an estimator that counts with jtokkit when the class loader has it.
	 * @param classLoader the class loader to look in, or {@code null} for the default
	 * @return the estimator
	 */
	public static TokenEstimator create(@Nullable ClassLoader classLoader) {
		return new TokenEstimator(ClassUtils.isPresent(JTOKKIT, classLoader));
	}

	/**
	 * Load the encodings of OpenAI's models now, on the calling thread, rather than in
	 * the background on first use (until which the characters / 4 rule counts).
	 * @return this estimator
	 */
	public TokenEstimator loadEncodings() {
		Jtokkit jtokkit = this.jtokkit;
		if (jtokkit != null) {
			jtokkit.load(com.knuddels.jtokkit.api.EncodingType.O200K_BASE);
			jtokkit.load(com.knuddels.jtokkit.api.EncodingType.CL100K_BASE);
		}
		return this;
	}

	/**
	 * Return whether this estimator counts OpenAI models' tokens with jtokkit.
	 * @return whether jtokkit is used
	 */
	public boolean usesJtokkit() {
		return this.jtokkit != null;
	}

	/**
	 * Estimate a chat request to a model.
	 * @param model the model the request goes to
	 * @param request the request
	 * @return the estimate
	 */
	public Estimate estimate(String model, ChatRequest request) {
		return estimate(model, request, true);
	}

	/**
	 * Estimate a chat request to a model.
	 * @param model the model the request goes to
	 * @param request the request
	 * @param mayLoad whether the model's encoding may be loaded (in the background) if it
	 * is not yet; when not, the characters / 4 rule counts until something else loaded it
	 * @return the estimate
	 */
	public Estimate estimate(String model, ChatRequest request, boolean mayLoad) {
		return new Estimate(promptTokens(model, request.messages(), mayLoad), completionTokens(request));
	}

	/**
	 * Estimate an embeddings request to a model: its inputs only.
	 * @param model the model the request goes to
	 * @param request the request
	 * @return the estimate, with no answer tokens
	 */
	public Estimate estimate(String model, EmbeddingRequest request) {
		return estimate(model, request, true);
	}

	/**
	 * Estimate an embeddings request to a model: its inputs only.
	 * @param model the model the request goes to
	 * @param request the request
	 * @param mayLoad whether the model's encoding may be loaded if it is not yet
	 * @return the estimate, with no answer tokens
	 */
	public Estimate estimate(String model, EmbeddingRequest request, boolean mayLoad) {
		Jtokkit.Counter counter = counter(model, mayLoad);
		long tokens = 0;
		if (counter != null) {
			for (String input : request.inputs()) {
				tokens += counter.count(input);
			}
		}
		else {
			long chars = 0;
			for (String input : request.inputs()) {
				chars += input.length();
			}
			tokens = quarters(chars);
		}
		return new Estimate(tokens, 0);
	}

	/**
	 * Return the prompt tokens of messages sent to a model.
	 * @param model the model
	 * @param messages the messages
	 * @return the estimated prompt tokens
	 */
	public long promptTokens(String model, List<ChatMessage> messages) {
		return promptTokens(model, messages, true);
	}

	private long promptTokens(String model, List<ChatMessage> messages, boolean mayLoad) {
		Jtokkit.Counter counter = counter(model, mayLoad);
		if (counter != null) {
			// 3 per message, its role and content; 3 more prime the answer.
			long tokens = 3;
			for (ChatMessage message : messages) {
				tokens += 3 + counter.count(message.role());
				String content = message.content();
				if (content != null) {
					tokens += counter.count(content);
				}
				String toolCallId = message.toolCallId();
				if (toolCallId != null) {
					tokens += counter.count(toolCallId);
				}
				for (ToolCall call : message.toolCalls()) {
					tokens += counter.count(call.name()) + counter.count(call.arguments());
				}
			}
			return tokens;
		}
		long chars = 0;
		for (ChatMessage message : messages) {
			String content = message.content();
			chars += (content != null) ? content.length() : 0;
			for (ToolCall call : message.toolCalls()) {
				chars += call.name().length() + call.arguments().length();
			}
		}
		return quarters(chars) + (long) FALLBACK_TOKENS_PER_MESSAGE * messages.size();
	}

	private Jtokkit.@Nullable Counter counter(String model, boolean mayLoad) {
		return (this.jtokkit != null && isOpenAiModel(model)) ? this.jtokkit.counter(model, mayLoad) : null;
	}

	private static long quarters(long chars) {
		return (chars + 3) / 4;
	}

	static boolean isOpenAiModel(String model) {
		// Asked for every request: no lower-cased copy of the name.
		for (String prefix : OPENAI_PREFIXES) {
			if (model.regionMatches(true, 0, prefix, 0, prefix.length())) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable Integer completionTokens(ChatRequest request) {
		if (request.maxTokens() != null) {
			return request.maxTokens();
		}
		Object maxCompletionTokens = request.params().get("max_completion_tokens");
		return (maxCompletionTokens instanceof Number number) ? number.intValue() : null;
	}

	/**
	 * What a request is estimated to cost.
	 *
	 * @param promptTokens the tokens of its prompt (for embeddings, its inputs)
	 * @param completionTokens the tokens its answer may have ({@code max_tokens} or
	 * {@code max_completion_tokens}), or {@code null} when the request sets none
	 */
	public record Estimate(long promptTokens, @Nullable Integer completionTokens) {

		/**
		 * Return what a declared token limit reserves for the request: its prompt, plus
		 * its {@code max_tokens} or, when it sets none, the provider's reserve. The sum
		 * is more conservative than OpenAI's own max(prompt, max_tokens).
		 * @param completionReserve what is reserved for an answer whose size the request
		 * does not bound
		 * @return the tokens to reserve
		 */
		public long declared(long completionReserve) {
			return this.promptTokens + ((this.completionTokens != null) ? this.completionTokens : completionReserve);
		}

		/**
		 * Return what the request counts against a provider's reported token budget, as
		 * the provider counts it: its prompt, or its {@code max_tokens} when larger.
		 * @return the tokens
		 */
		public long againstHeaders() {
			return Math.max(this.promptTokens, (this.completionTokens != null) ? this.completionTokens : 0);
		}

	}

	/**
	 * jtokkit, only loaded when it is on the class path.
	 */
	private static final class Jtokkit {

		private final com.knuddels.jtokkit.api.EncodingRegistry registry = com.knuddels.jtokkit.Encodings
			.newLazyEncodingRegistry();

		private final Map<String, Counter> models = new ConcurrentHashMap<>();

		// Loading an encoding (its vocabulary) takes a second or more: it is done once,
		// on
		// a thread that may wait, never on the request's own.
		private final Map<com.knuddels.jtokkit.api.EncodingType, Boolean> loaded = new ConcurrentHashMap<>();

		/**
		 * Return the counter of a model's encoding, or {@code null} while the encoding is
		 * still loading (its first use starts that, in the background).
		 */
		@Nullable Counter counter(String model, boolean mayLoad) {
			Counter counter = this.models.get(model);
			if (counter != null) {
				return counter;
			}
			com.knuddels.jtokkit.api.EncodingType type = encodingType(model.toLowerCase(Locale.ROOT));
			if (!Boolean.TRUE.equals(this.loaded.get(type))) {
				if (mayLoad && this.loaded.putIfAbsent(type, Boolean.FALSE) == null) {
					reactor.core.scheduler.Schedulers.boundedElastic().schedule(() -> load(type));
				}
				return null;
			}
			com.knuddels.jtokkit.api.Encoding encoding = this.registry.getEncoding(type);
			counter = encoding::countTokensOrdinary;
			this.models.put(model, counter);
			return counter;
		}

		/**
		 * Load an encoding now, on the calling thread.
		 */
		void load(com.knuddels.jtokkit.api.EncodingType type) {
			this.registry.getEncoding(type).countTokensOrdinary("warm up");
			this.loaded.put(type, Boolean.TRUE);
		}

		/**
		 * The encoding of a model, as OpenAI's tiktoken maps them (tiktoken/model.py):
		 * o200k_base for gpt-4o and every later model, cl100k_base for gpt-4, gpt-3.5 and
		 * the text-embedding models.
		 */
		static com.knuddels.jtokkit.api.EncodingType encodingType(String name) {
			for (String prefix : O200K_PREFIXES) {
				if (name.startsWith(prefix)) {
					return com.knuddels.jtokkit.api.EncodingType.O200K_BASE;
				}
			}
			if (name.startsWith("gpt-4") || name.startsWith("gpt-3.5") || name.startsWith("text-embedding-")) {
				return com.knuddels.jtokkit.api.EncodingType.CL100K_BASE;
			}
			return com.knuddels.jtokkit.api.EncodingType.O200K_BASE;
		}

		@FunctionalInterface
		interface Counter {

			int count(String text);

		}

	}

}
