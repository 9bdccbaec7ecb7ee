package io.github.llmresilience;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A chat completion request, independent of the model: the model comes from the target
 * that the policy chooses for each attempt.
 *
 * <pre class="code">
 * ChatRequest request = ChatRequest.builder()
 *     .system("Summarise in one sentence.")
 *     .user(text)
 *     .temperature(0.2)
 *     .param("response_format", Map.of("type", "json_object"))
 *     .build();
 * </pre>
 *
 * <p>
 * Instances are immutable. {@link #toString()} never shows message content, so a request
 * can be logged without leaking the prompt.
 */
public final class ChatRequest {

	private static final Map<String, String> RESERVED_PARAMS = Map.of("model",
			"the model comes from the policy's target (llm.policies.<name>.model)", "stream",
			"call LlmClient.stream(...) for a streamed answer", "n", "one choice per request is supported", "messages",
			"add messages with the builder's system(..), user(..), assistant(..), tool(..) or message(..)",
			"temperature", "use the builder's temperature(..)", "max_tokens", "use the builder's maxTokens(..)",
			"stream_options", "streams always ask for usage; no other stream option is supported");

	private final List<ChatMessage> messages;

	private final @Nullable Double temperature;

	private final @Nullable Integer maxTokens;

	private final boolean idempotent;

	private final @Nullable Priority priority;

	private final Map<String, Object> params;

	private ChatRequest(Builder builder) {
		if (builder.messages.isEmpty()) {
			throw new IllegalArgumentException("A ChatRequest needs at least one message");
		}
		this.messages = List.copyOf(builder.messages);
		this.temperature = builder.temperature;
		this.maxTokens = builder.maxTokens;
		this.idempotent = builder.idempotent;
		this.priority = builder.priority;
		this.params = Collections.unmodifiableMap(new LinkedHashMap<>(builder.params));
	}

	/**
	 * Return a new builder.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Return a builder initialised with the values of this request.
	 * @return the builder
	 */
	public Builder mutate() {
		Builder builder = new Builder();
		builder.messages.addAll(this.messages);
		builder.temperature = this.temperature;
		builder.maxTokens = this.maxTokens;
		builder.idempotent = this.idempotent;
		builder.priority = this.priority;
		builder.params.putAll(this.params);
		return builder;
	}

	/**
	 * Return the messages, in order.
	 * @return the messages
	 */
	public List<ChatMessage> messages() {
		return this.messages;
	}

	/**
	 * Return the sampling temperature.
	 * @return the temperature, or {@code null} for the provider's default
	 */
	public @Nullable Double temperature() {
		return this.temperature;
	}

	/**
	 * Return the maximum number of tokens to generate.
	 * @return the limit, or {@code null} for the provider's default
	 */
	public @Nullable Integer maxTokens() {
		return this.maxTokens;
	}

	/**
	 * Return whether sending this request twice is harmless. When {@code false}, a
	 * failure after the request was written (a timeout, a reset, a premature close) is
	 * neither retried nor sent to a fallback, because the provider may have acted on it.
	 * @return whether the request is idempotent
	 */
	public boolean idempotent() {
		return this.idempotent;
	}

	/**
	 * Return how urgent the request is, when requests share its provider's concurrency
	 * cap.
	 * @return the priority set on the request, or {@code null} for the enclosing
	 * {@code @LlmCall}'s ({@link LlmCall#priority()}), else {@link Priority#INTERACTIVE}
	 */
	public @Nullable Priority priority() {
		return this.priority;
	}

	/**
	 * Return the other OpenAI request fields, sent as they are.
	 * @return the pass-through fields, by JSON name
	 */
	public Map<String, Object> params() {
		return this.params;
	}

	@Override
	public boolean equals(@Nullable Object obj) {
		if (this == obj) {
			return true;
		}
		if (!(obj instanceof ChatRequest other)) {
			return false;
		}
		return this.messages.equals(other.messages) && Objects.equals(this.temperature, other.temperature)
				&& Objects.equals(this.maxTokens, other.maxTokens) && this.idempotent == other.idempotent
				&& this.priority == other.priority && this.params.equals(other.params);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.messages, this.temperature, this.maxTokens, this.idempotent, this.priority,
				this.params);
	}

	@Override
	public String toString() {
		return "ChatRequest[messages=" + this.messages.size() + ", temperature=" + this.temperature + ", maxTokens="
				+ this.maxTokens + ", idempotent=" + this.idempotent + ", priority=" + this.priority + ", params="
				+ this.params.keySet() + "]";
	}

	/**
	 * Builds a {@link ChatRequest}.
	 */
	public static final class Builder {

		private final List<ChatMessage> messages = new ArrayList<>();

		private @Nullable Double temperature;

		private @Nullable Integer maxTokens;

		private boolean idempotent = true;

		private @Nullable Priority priority;

		private final Map<String, Object> params = new LinkedHashMap<>();

		private Builder() {
		}

		/**
		 * Add a system message.
		 * @param content the instructions
		 * @return this builder
		 */
		public Builder system(String content) {
			return message(ChatMessage.system(content));
		}

		/**
		 * Add a user message.
		 * @param content the text
		 * @return this builder
		 */
		public Builder user(String content) {
			return message(ChatMessage.user(content));
		}

		/**
		 * Add an assistant message (an earlier answer).
		 * @param content the text
		 * @return this builder
		 */
		public Builder assistant(String content) {
			return message(ChatMessage.assistant(content));
		}

		/**
		 * Add a tool message: the result of a tool call.
		 * @param toolCallId the id of the tool call it answers
		 * @param content the result
		 * @return this builder
		 */
		public Builder tool(String toolCallId, String content) {
			return message(ChatMessage.tool(toolCallId, content));
		}

		/**
		 * Add a message.
		 * @param message the message
		 * @return this builder
		 */
		public Builder message(ChatMessage message) {
			this.messages.add(Objects.requireNonNull(message, "'message' must not be null"));
			return this;
		}

		/**
		 * Add messages.
		 * @param messages the messages, in order
		 * @return this builder
		 */
		public Builder messages(List<ChatMessage> messages) {
			messages.forEach(this::message);
			return this;
		}

		/**
		 * Set the sampling temperature.
		 * @param temperature the temperature, usually between 0 and 2
		 * @return this builder
		 */
		public Builder temperature(@Nullable Double temperature) {
			this.temperature = temperature;
			return this;
		}

		/**
		 * Set the maximum number of tokens to generate.
		 * @param maxTokens the limit
		 * @return this builder
		 */
		public Builder maxTokens(@Nullable Integer maxTokens) {
			this.maxTokens = maxTokens;
			return this;
		}

		/**
		 * Set whether sending the request twice is harmless (default {@code true}).
		 * @param idempotent whether the request is idempotent
		 * @return this builder
		 * @see ChatRequest#idempotent()
		 */
		public Builder idempotent(boolean idempotent) {
			this.idempotent = idempotent;
			return this;
		}

		/**
		 * Set how urgent the request is: {@link Priority#BATCH} for background work that
		 * must not starve the calls someone waits for when they share a provider's
		 * concurrency cap. Unset (or {@code null}), the enclosing {@code @LlmCall}'s
		 * priority applies, else {@link Priority#INTERACTIVE}.
		 * @param priority the priority
		 * @return this builder
		 * @see ChatRequest#priority()
		 */
		public Builder priority(@Nullable Priority priority) {
			this.priority = priority;
			return this;
		}

		/**
		 * Set another OpenAI request field, sent as it is ({@code response_format},
		 * {@code tools}, {@code tool_choice}, {@code seed}, {@code user}, ...). The value
		 * is written as JSON.
		 * @param name the field's JSON name
		 * @param value the value
		 * @return this builder
		 * @throws IllegalArgumentException for {@code model}, {@code stream}, {@code n}
		 * and the fields this builder sets itself
		 */
		public Builder param(String name, Object value) {
			Objects.requireNonNull(name, "'name' must not be null");
			Objects.requireNonNull(value, "'value' must not be null");
			String reason = RESERVED_PARAMS.get(name);
			if (reason != null) {
				throw new IllegalArgumentException(
						"ChatRequest parameter '" + name + "' cannot be set as a pass-through field: " + reason);
			}
			this.params.put(name, value);
			return this;
		}

		/**
		 * Set other OpenAI request fields.
		 * @param params the fields by JSON name
		 * @return this builder
		 * @see #param(String, Object)
		 */
		public Builder params(Map<String, ?> params) {
			params.forEach(this::param);
			return this;
		}

		/**
		 * Build the request.
		 * @return the request
		 * @throws IllegalArgumentException if no message was added
		 */
		public ChatRequest build() {
			return new ChatRequest(this);
		}

	}

}
