package io.github.llmresilience.springai;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

import io.github.llmresilience.ChatRequest;

/**
 * The options of an {@link LlmChatModel} call: the llm-resilience policy that runs it,
 * the portable Spring AI options, tools, and the OpenAI fields that have no portable
 * option.
 *
 * <pre class="code">
 * String summary = chatClient.prompt()
 *     .user(text)
 *     .options(LlmChatOptions.builder().policy("summaries").temperature(0.2))
 *     .call()
 *     .content();
 * </pre>
 *
 * <p>
 * The model is never an option: it comes from the policy's targets, which is what lets a
 * call fall back to another model or provider. Setting {@link ChatOptions#getModel()
 * model} or {@link ChatOptions#getTopK() topK} (which the OpenAI chat completions API
 * does not have) fails the call with an {@link IllegalArgumentException} that says what
 * to use instead.
 *
 * <p>
 * Instances are immutable; {@link #mutate()} returns a builder with their values.
 */
public final class LlmChatOptions implements ToolCallingChatOptions, StructuredOutputChatOptions {

	/**
	 * Pass-through fields that a typed option of this class sets, and which one.
	 */
	private static final Map<String, String> TYPED_PARAMS = Map.of("top_p", "topP(..)", "stop", "stopSequences(..)",
			"frequency_penalty", "frequencyPenalty(..)", "presence_penalty", "presencePenalty(..)", "tools",
			"toolCallbacks(..) (or ChatClient's tools(..))", "tool_choice", "toolChoice(..)", "response_format",
			"responseFormat(..) or outputSchema(..)");

	private final @Nullable String policy;

	private final @Nullable String model;

	private final @Nullable Double frequencyPenalty;

	private final @Nullable Integer maxTokens;

	private final @Nullable Double presencePenalty;

	private final @Nullable List<String> stopSequences;

	private final @Nullable Double temperature;

	private final @Nullable Integer topK;

	private final @Nullable Double topP;

	private final @Nullable List<ToolCallback> toolCallbacks;

	private final @Nullable Map<String, Object> toolContext;

	private final @Nullable Object toolChoice;

	private final @Nullable String outputSchema;

	private final @Nullable Map<String, Object> responseFormat;

	private final Map<String, Object> params;

	private LlmChatOptions(@Nullable String policy, @Nullable String model, @Nullable Double frequencyPenalty,
			@Nullable Integer maxTokens, @Nullable Double presencePenalty, @Nullable List<String> stopSequences,
			@Nullable Double temperature, @Nullable Integer topK, @Nullable Double topP,
			@Nullable List<ToolCallback> toolCallbacks, @Nullable Map<String, Object> toolContext,
			@Nullable Object toolChoice, @Nullable String outputSchema, @Nullable Map<String, Object> responseFormat,
			Map<String, Object> params) {
		this.policy = policy;
		this.model = model;
		this.frequencyPenalty = frequencyPenalty;
		this.maxTokens = maxTokens;
		this.presencePenalty = presencePenalty;
		this.stopSequences = (stopSequences != null) ? List.copyOf(stopSequences) : null;
		this.temperature = temperature;
		this.topK = topK;
		this.topP = topP;
		this.toolCallbacks = (toolCallbacks != null) ? List.copyOf(toolCallbacks) : null;
		this.toolContext = (toolContext != null) ? Map.copyOf(toolContext) : null;
		this.toolChoice = toolChoice;
		this.outputSchema = outputSchema;
		this.responseFormat = (responseFormat != null)
				? Collections.unmodifiableMap(new LinkedHashMap<>(responseFormat)) : null;
		this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
	}

	/**
	 * Return a new builder.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Return the name of the policy under {@code llm.policies} that runs the call.
	 * @return the policy, or {@code null} for the model's default
	 * ({@code llm.spring-ai.chat-model.policy})
	 */
	public @Nullable String getPolicy() {
		return this.policy;
	}

	/**
	 * Return the model, which must not be set: the policy's targets name the models.
	 * @return the model, {@code null} unless set by mistake
	 */
	@Override
	public @Nullable String getModel() {
		return this.model;
	}

	@Override
	public @Nullable Double getFrequencyPenalty() {
		return this.frequencyPenalty;
	}

	@Override
	public @Nullable Integer getMaxTokens() {
		return this.maxTokens;
	}

	@Override
	public @Nullable Double getPresencePenalty() {
		return this.presencePenalty;
	}

	@Override
	public @Nullable List<String> getStopSequences() {
		return this.stopSequences;
	}

	@Override
	public @Nullable Double getTemperature() {
		return this.temperature;
	}

	/**
	 * Return top-K, which the OpenAI chat completions API does not have; a call with it
	 * set fails. A server that accepts {@code top_k} gets it through
	 * {@link Builder#param}.
	 * @return top-K, {@code null} unless set by mistake
	 */
	@Override
	public @Nullable Integer getTopK() {
		return this.topK;
	}

	@Override
	public @Nullable Double getTopP() {
		return this.topP;
	}

	@Override
	public @Nullable List<ToolCallback> getToolCallbacks() {
		return this.toolCallbacks;
	}

	@Override
	public @Nullable Map<String, Object> getToolContext() {
		return this.toolContext;
	}

	/**
	 * Return the OpenAI {@code tool_choice}: {@code "auto"}, {@code "none"},
	 * {@code "required"}, or an object such as {@code {"type": "function", "function":
	 * {"name": "weather"}}}.
	 * @return the tool choice, or {@code null} for the provider's default
	 */
	public @Nullable Object getToolChoice() {
		return this.toolChoice;
	}

	/**
	 * Return the JSON schema the answer must follow, sent as a {@code json_schema}
	 * {@code response_format}. {@code ChatClient}'s {@code entity(..)} sets it when
	 * native structured output is asked for.
	 * @return the schema, or {@code null}
	 */
	@Override
	public @Nullable String getOutputSchema() {
		return this.outputSchema;
	}

	/**
	 * Return the OpenAI {@code response_format}, such as {@code {"type": "json_object"}}.
	 * @return the response format, or {@code null} (see also {@link #getOutputSchema()})
	 */
	public @Nullable Map<String, Object> getResponseFormat() {
		return this.responseFormat;
	}

	/**
	 * Return the other OpenAI request fields, sent as they are ({@code seed},
	 * {@code user}, {@code logit_bias}, {@code parallel_tool_calls}, ...).
	 * @return the pass-through fields by JSON name
	 */
	public Map<String, Object> getParams() {
		return this.params;
	}

	@Override
	public Builder mutate() {
		Builder builder = new Builder().policy(this.policy)
			.model(this.model)
			.frequencyPenalty(this.frequencyPenalty)
			.maxTokens(this.maxTokens)
			.presencePenalty(this.presencePenalty)
			.stopSequences(this.stopSequences)
			.temperature(this.temperature)
			.topK(this.topK)
			.topP(this.topP)
			.toolCallbacks(this.toolCallbacks)
			.toolContext(this.toolContext)
			.toolChoice(this.toolChoice);
		builder.outputSchema = this.outputSchema;
		builder.responseFormat = (this.responseFormat != null) ? new LinkedHashMap<>(this.responseFormat) : null;
		builder.params.putAll(this.params);
		return builder;
	}

	@Override
	public boolean equals(@Nullable Object obj) {
		if (this == obj) {
			return true;
		}
		if (!(obj instanceof LlmChatOptions other)) {
			return false;
		}
		return Objects.equals(this.policy, other.policy) && Objects.equals(this.model, other.model)
				&& Objects.equals(this.frequencyPenalty, other.frequencyPenalty)
				&& Objects.equals(this.maxTokens, other.maxTokens)
				&& Objects.equals(this.presencePenalty, other.presencePenalty)
				&& Objects.equals(this.stopSequences, other.stopSequences)
				&& Objects.equals(this.temperature, other.temperature) && Objects.equals(this.topK, other.topK)
				&& Objects.equals(this.topP, other.topP) && Objects.equals(this.toolCallbacks, other.toolCallbacks)
				&& Objects.equals(this.toolContext, other.toolContext)
				&& Objects.equals(this.toolChoice, other.toolChoice)
				&& Objects.equals(this.outputSchema, other.outputSchema)
				&& Objects.equals(this.responseFormat, other.responseFormat) && this.params.equals(other.params);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.policy, this.model, this.frequencyPenalty, this.maxTokens, this.presencePenalty,
				this.stopSequences, this.temperature, this.topK, this.topP, this.toolCallbacks, this.toolContext,
				this.toolChoice, this.outputSchema, this.responseFormat, this.params);
	}

	@Override
	public String toString() {
		// Tool context values and pass-through values may be anything: show names only.
		return "LlmChatOptions[policy=" + this.policy + ", temperature=" + this.temperature + ", maxTokens="
				+ this.maxTokens + ", topP=" + this.topP + ", tools="
				+ ((this.toolCallbacks != null) ? this.toolCallbacks.size() : 0) + ", params=" + this.params.keySet()
				+ "]";
	}

	/**
	 * Builds {@link LlmChatOptions}. {@link #combineWith combineWith} takes every value
	 * the other builder set, as Spring AI's builders do, so {@code ChatClient} layers
	 * per-call options over the model's defaults; from a builder of another
	 * {@code ChatOptions} type it takes the portable options and the tools.
	 */
	public static final class Builder extends DefaultToolCallingChatOptions.Builder<Builder>
			implements StructuredOutputChatOptions.Builder<Builder> {

		private @Nullable String policy;

		private @Nullable Object toolChoice;

		private @Nullable String outputSchema;

		private @Nullable Map<String, Object> responseFormat;

		private Map<String, Object> params = new LinkedHashMap<>();

		private Builder() {
		}

		/**
		 * Run the call under this policy instead of the model's default. A name that is
		 * not under {@code llm.policies} fails the call with an
		 * {@link IllegalStateException} that lists the policies there are.
		 * @param policy the name of a policy under {@code llm.policies}
		 * @return this builder
		 */
		public Builder policy(@Nullable String policy) {
			if (policy != null && policy.isBlank()) {
				throw new IllegalArgumentException("'policy' must not be blank: name a policy under llm.policies");
			}
			this.policy = policy;
			return this;
		}

		/**
		 * Set the OpenAI {@code tool_choice}.
		 * @param toolChoice {@code "auto"}, {@code "none"}, {@code "required"}, a JSON
		 * object as a string, or a {@link Map} such as
		 * {@code Map.of("type", "function", "function", Map.of("name", "weather"))}
		 * @return this builder
		 */
		public Builder toolChoice(@Nullable Object toolChoice) {
			if (toolChoice != null && !(toolChoice instanceof String) && !(toolChoice instanceof Map)) {
				throw new IllegalArgumentException("'toolChoice' must be a String (auto, none, required or a JSON "
						+ "object) or a Map, was " + toolChoice.getClass().getName());
			}
			this.toolChoice = toolChoice;
			return this;
		}

		/**
		 * Ask for an answer that follows this JSON schema (a {@code json_schema}
		 * {@code response_format}, strict). Replaces a {@link #responseFormat response
		 * format}.
		 * @param outputSchema the JSON schema, as {@code BeanOutputConverter} writes it
		 * @return this builder
		 */
		@Override
		public Builder outputSchema(@Nullable String outputSchema) {
			this.outputSchema = outputSchema;
			if (outputSchema != null) {
				this.responseFormat = null;
			}
			return this;
		}

		/**
		 * Set the OpenAI {@code response_format}, for example
		 * {@code Map.of("type", "json_object")}. Replaces an {@link #outputSchema output
		 * schema}.
		 * @param responseFormat the response format as JSON-like maps and lists
		 * @return this builder
		 */
		public Builder responseFormat(@Nullable Map<String, ?> responseFormat) {
			this.responseFormat = (responseFormat != null) ? new LinkedHashMap<>(responseFormat) : null;
			if (responseFormat != null) {
				this.outputSchema = null;
			}
			return this;
		}

		/**
		 * Set another OpenAI request field, sent as it is ({@code seed}, {@code user},
		 * {@code logit_bias}, {@code parallel_tool_calls}, {@code top_k} for servers that
		 * have it, ...).
		 * @param name the field's JSON name
		 * @param value the value, written as JSON
		 * @return this builder
		 * @throws IllegalArgumentException for a field that a typed option sets, and for
		 * {@code model}, {@code stream}, {@code n} and the other fields
		 * {@link ChatRequest} sets itself
		 */
		public Builder param(String name, Object value) {
			Objects.requireNonNull(name, "'name' must not be null");
			String typed = TYPED_PARAMS.get(name);
			if (typed != null) {
				throw new IllegalArgumentException(
						"LlmChatOptions parameter '" + name + "' is set with the builder's " + typed);
			}
			// ChatRequest rejects the fields it sets itself, with the reason.
			ChatRequest.builder().param(name, value);
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

		@Override
		public Builder clone() {
			Builder copy = super.clone();
			copy.responseFormat = (this.responseFormat != null) ? new LinkedHashMap<>(this.responseFormat) : null;
			copy.params = new LinkedHashMap<>(this.params);
			return copy;
		}

		@Override
		public Builder combineWith(ChatOptions.Builder<?> other) {
			super.combineWith(other);
			if (other instanceof Builder that) {
				if (that.policy != null) {
					this.policy = that.policy;
				}
				if (that.toolChoice != null) {
					this.toolChoice = that.toolChoice;
				}
				if (that.outputSchema != null) {
					outputSchema(that.outputSchema);
				}
				if (that.responseFormat != null) {
					responseFormat(that.responseFormat);
				}
				this.params.putAll(that.params);
			}
			else if (other instanceof StructuredOutputChatOptions.Builder<?>
					&& other.build() instanceof StructuredOutputChatOptions built && built.getOutputSchema() != null) {
				// Its schema is not readable from the builder: take it from what it
				// builds.
				outputSchema(built.getOutputSchema());
			}
			return this;
		}

		@Override
		public LlmChatOptions build() {
			return new LlmChatOptions(this.policy, this.model, this.frequencyPenalty, this.maxTokens,
					this.presencePenalty, this.stopSequences, this.temperature, this.topK, this.topP,
					this.toolCallbacks, this.toolContext, this.toolChoice, this.outputSchema, this.responseFormat,
					this.params);
		}

	}

}
