package io.github.llmresilience;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sends chat completion and embedding requests to the providers configured under
 * {@code llm.providers}, with the retries, circuit breakers and fallbacks of a policy
 * configured under {@code llm.policies}.
 *
 * <p>
 * Every publisher is cold: nothing is sent before subscription, and each subscription
 * sends the request again.
 *
 * <p>
 * Outside an {@link LlmCall @LlmCall} method a call applies the named policy (or
 * {@code default}) itself. Inside one, the enclosing call owns the policy: each
 * {@code LlmClient} call makes exactly one attempt against the target the enclosing call
 * chose for its current attempt, so nothing is retried twice.
 */
public interface LlmClient {

	/**
	 * Send a request under the {@code default} policy.
	 * @param request the request
	 * @return the response, or an {@link LlmException} once the policy gave up
	 */
	Mono<ChatResponse> chat(ChatRequest request);

	/**
	 * Send a request under the given policy.
	 * @param policy the name of a policy under {@code llm.policies}
	 * @param request the request
	 * @return the response, or an {@link LlmException} once the policy gave up
	 */
	Mono<ChatResponse> chat(String policy, ChatRequest request);

	/**
	 * Stream the answer to a request under the {@code default} policy. Retries and
	 * fallbacks happen only before the first chunk; a failure after it ends the stream
	 * with an {@link LlmStreamInterruptedException}.
	 * @param request the request
	 * @return the chunks of the answer
	 */
	Flux<ChatChunk> stream(ChatRequest request);

	/**
	 * Stream the answer to a request under the given policy.
	 * @param policy the name of a policy under {@code llm.policies}
	 * @param request the request
	 * @return the chunks of the answer
	 * @see #stream(ChatRequest)
	 */
	Flux<ChatChunk> stream(String policy, ChatRequest request);

	/**
	 * Ask for the embeddings of the request's inputs under the {@code embeddings} policy.
	 * @param request the request
	 * @return the vectors, in the order of the inputs, or an {@link LlmException} once
	 * the policy gave up
	 * @see #embed(String, EmbeddingRequest)
	 */
	default Mono<EmbeddingResponse> embed(EmbeddingRequest request) {
		return embed(EMBEDDINGS_POLICY, request);
	}

	/**
	 * Ask for the embeddings of the request's inputs under the given policy, which must
	 * serve embeddings ({@code llm.policies.<name>.type: embeddings}).
	 *
	 * <p>
	 * Inputs beyond what one request to the policy's providers may carry
	 * ({@code llm.providers.<name>.max-inputs-per-request} and
	 * {@code max-tokens-per-request}) are split into batches, each a logical call of its
	 * own; the vectors come back in the order of the inputs, and a batch that fails fails
	 * the whole call. Inside an {@link LlmCall @LlmCall} method, this is a logical call
	 * of its own under its own policy: it does not join the method's attempt.
	 * @param policy the name of a policy under {@code llm.policies} whose type is
	 * {@code embeddings}
	 * @param request the request
	 * @return the vectors, in the order of the inputs, or an {@link LlmException} once
	 * the policy gave up
	 */
	default Mono<EmbeddingResponse> embed(String policy, EmbeddingRequest request) {
		return Mono.error(new UnsupportedOperationException(getClass().getName() + " does not implement embed"));
	}

	/**
	 * The name of the policy that serves {@link #embed(EmbeddingRequest)}.
	 */
	String EMBEDDINGS_POLICY = "embeddings";

}
