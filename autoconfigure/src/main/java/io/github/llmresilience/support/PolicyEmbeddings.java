package io.github.llmresilience.support;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.LlmClient;

/**
 * What an embedding model adapter (Spring AI's or LangChain4j's {@code EmbeddingModel})
 * does with {@code LlmClient}: each call is one {@code embed} call of its policy, waited
 * for, and the size of the vectors is that of the last answer.
 */
public final class PolicyEmbeddings {

	private final LlmClient client;

	private final String policy;

	private final BlockingCaller caller;

	private final AtomicInteger dimensions = new AtomicInteger(-1);

	/**
	 * Create the embeddings of a policy.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies} whose type is
	 * {@code embeddings}
	 * @param caller the adapter's method that waits for the vectors
	 */
	public PolicyEmbeddings(LlmClient client, String policy, BlockingCaller caller) {
		this.client = Objects.requireNonNull(client, "'client' must not be null");
		this.policy = Objects.requireNonNull(policy, "'policy' must not be null");
		this.caller = caller;
	}

	/**
	 * Return the policy of the calls.
	 * @return the policy's name
	 */
	public String policy() {
		return this.policy;
	}

	/**
	 * Ask for the embeddings of the inputs under the policy and wait for them.
	 * @param inputs the texts, none of them empty
	 * @return the answer
	 * @throws IllegalStateException on a non-blocking thread, or for a policy that does
	 * not exist or does not serve embeddings
	 * @throws IllegalArgumentException for an empty text
	 */
	public EmbeddingResponse embed(List<String> inputs) {
		this.caller.refuseNonBlockingThread();
		EmbeddingResponse answer = this.caller.await(this.client.embed(this.policy, EmbeddingRequest.of(inputs)));
		this.dimensions.set(answer.dimensions());
		return answer;
	}

	/**
	 * Return the size of the vectors: that of the last answer, else that of the answer to
	 * one call made now.
	 * @param probe makes one call and returns the size of its vector
	 * @return the number of dimensions
	 */
	public int dimensions(IntSupplier probe) {
		int known = this.dimensions.get();
		return (known > 0) ? known : probe.getAsInt();
	}

}
