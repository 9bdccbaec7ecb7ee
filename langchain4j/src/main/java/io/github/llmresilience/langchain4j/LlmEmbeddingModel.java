package io.github.llmresilience.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import org.jspecify.annotations.Nullable;

import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Usage;
import io.github.llmresilience.support.BlockingCaller;
import io.github.llmresilience.support.PolicyEmbeddings;

/**
 * A LangChain4j {@link EmbeddingModel} that sends every call through
 * {@link LlmClient#embed(String, EmbeddingRequest)}, so that an {@code EmbeddingStore}'s
 * ingestion and a RAG retriever's queries get the retries, fallbacks, circuit breakers,
 * batching and meters of an llm-resilience embeddings policy.
 *
 * <p>
 * Each {@link #embedAll(List)} is one {@code embed} call of the policy (split into
 * batches where the policy's providers need it). The model and the vector size come from
 * the policy's targets ({@code llm.policies.<name>.model} and {@code dimensions}).
 * Failures are {@link LlmException}s. Inside an {@link LlmCall @LlmCall} method a call
 * runs its own policy, as {@code LlmClient.embed} does.
 */
public class LlmEmbeddingModel implements EmbeddingModel {

	private static final BlockingCaller CALLER = new BlockingCaller("LlmEmbeddingModel.embedAll(..)", "vectors",
			"the embedding store ingestor or retriever that uses it", "LlmClient.embed");

	private final PolicyEmbeddings embeddings;

	/**
	 * Create a model whose calls run under the {@code embeddings} policy.
	 * @param client the client
	 */
	public LlmEmbeddingModel(LlmClient client) {
		this(client, LlmClient.EMBEDDINGS_POLICY);
	}

	/**
	 * Create a model whose calls run under the given policy.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies} whose type is
	 * {@code embeddings}
	 */
	public LlmEmbeddingModel(LlmClient client, String policy) {
		this.embeddings = new PolicyEmbeddings(client, policy, CALLER);
	}

	/**
	 * Return the policy of the calls.
	 * @return the policy's name
	 */
	public String getPolicy() {
		return this.embeddings.policy();
	}

	/**
	 * Ask for the embeddings of the segments' texts under the policy and wait for them.
	 * It must not be called on a non-blocking thread (a Reactor event loop or parallel
	 * worker): call it on {@code Schedulers.boundedElastic()} or a virtual thread.
	 * @param textSegments the segments, none of them empty
	 * @return one embedding per segment, in order, with the input tokens the provider
	 * counted
	 * @throws IllegalStateException on a non-blocking thread, or for a policy that does
	 * not exist or does not serve embeddings
	 * @throws IllegalArgumentException for an empty text
	 * @throws LlmException when the policy gave up
	 */
	@Override
	public Response<List<Embedding>> embedAll(List<TextSegment> textSegments) {
		CALLER.refuseNonBlockingThread();
		Objects.requireNonNull(textSegments, "'textSegments' must not be null");
		if (textSegments.isEmpty()) {
			return Response.from(List.of());
		}
		List<String> inputs = textSegments.stream().map(TextSegment::text).toList();
		EmbeddingResponse answer = this.embeddings.embed(inputs);
		List<Embedding> embeddings = new ArrayList<>(answer.size());
		for (float[] vector : answer.vectors()) {
			embeddings.add(Embedding.from(vector));
		}
		return Response.from(embeddings, tokenUsage(answer.usage()));
	}

	/**
	 * Return the size of the vectors: that of the last answer, else that of the answer to
	 * one call made now.
	 * @return the number of dimensions
	 */
	@Override
	public int dimension() {
		return this.embeddings.dimensions(() -> embed("test").content().dimension());
	}

	private static @Nullable TokenUsage tokenUsage(@Nullable Usage usage) {
		if (usage == null) {
			return null;
		}
		return new TokenUsage(Math.toIntExact(usage.promptTokens()), 0, Math.toIntExact(usage.totalTokens()));
	}

	@Override
	public String toString() {
		return "LlmEmbeddingModel[policy=" + this.embeddings.policy() + "]";
	}

}
