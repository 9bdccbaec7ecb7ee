package io.github.llmresilience.langchain4j;

import java.util.Objects;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.Served;

/**
 * The metadata of a response from {@link LlmChatModel} or {@link LlmStreamingChatModel}:
 * LangChain4j's (id, model, token usage, finish reason) and which policy ran the call and
 * which target served it.
 */
public class LlmChatResponseMetadata extends ChatResponseMetadata {

	private final @Nullable Served served;

	private final @Nullable String policy;

	/**
	 * Create metadata from a builder.
	 * @param builder the builder
	 */
	protected LlmChatResponseMetadata(Builder builder) {
		super(builder);
		this.served = builder.served;
		this.policy = builder.policy;
	}

	/**
	 * Return which target served the call and after how many attempts.
	 * @return the served facts, or {@code null} for a streamed response (the meters and
	 * the log line of the call have them)
	 */
	public @Nullable Served served() {
		return this.served;
	}

	/**
	 * Return the name of the policy that ran the call.
	 * @return the policy, or {@code null} when the call joined an enclosing
	 * {@code @LlmCall} method's call whose policy was not known
	 */
	public @Nullable String policy() {
		return this.policy;
	}

	@Override
	public Builder toBuilder() {
		Builder builder = (Builder) toBuilder(new Builder());
		return builder.served(this.served).policy(this.policy);
	}

	@Override
	public boolean equals(@Nullable Object obj) {
		if (this == obj) {
			return true;
		}
		if (!(obj instanceof LlmChatResponseMetadata other) || !super.equals(obj)) {
			return false;
		}
		return Objects.equals(this.served, other.served) && Objects.equals(this.policy, other.policy);
	}

	@Override
	public int hashCode() {
		return Objects.hash(super.hashCode(), this.served, this.policy);
	}

	@Override
	public String toString() {
		return "LlmChatResponseMetadata{id=" + id() + ", modelName=" + modelName() + ", tokenUsage=" + tokenUsage()
				+ ", finishReason=" + finishReason() + ", served=" + this.served + ", policy=" + this.policy + "}";
	}

	/**
	 * Return a builder.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * A builder of {@link LlmChatResponseMetadata}.
	 */
	public static class Builder extends ChatResponseMetadata.Builder<Builder> {

		private @Nullable Served served;

		private @Nullable String policy;

		/**
		 * Set the served facts.
		 * @param served the served facts, or {@code null}
		 * @return this builder
		 */
		public Builder served(@Nullable Served served) {
			this.served = served;
			return this;
		}

		/**
		 * Set the policy.
		 * @param policy the policy, or {@code null}
		 * @return this builder
		 */
		public Builder policy(@Nullable String policy) {
			this.policy = policy;
			return this;
		}

		@Override
		public LlmChatResponseMetadata build() {
			return new LlmChatResponseMetadata(this);
		}

	}

}
