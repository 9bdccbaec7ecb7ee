package io.github.llmresilience.springai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.Usage;
import io.github.llmresilience.support.BlockingCaller;
import io.github.llmresilience.support.PolicyEmbeddings;

/**
 * A Spring AI {@link EmbeddingModel} that sends every call through
 * {@link LlmClient#embed(String, io.github.llmresilience.EmbeddingRequest)}, so that a
 * {@code VectorStore}'s {@code add(...)} and {@code similaritySearch(...)} get the
 * retries, fallbacks, circuit breakers, batching and meters of an llm-resilience
 * embeddings policy.
 *
 * <p>
 * Each {@link #call(EmbeddingRequest)} is one {@code embed} call of the policy (split
 * into batches where the policy's providers need it). The model and the vector size come
 * from the policy's targets ({@code llm.policies.<name>.model} and {@code dimensions}),
 * so options that name a model or dimensions are refused rather than ignored. Failures
 * are {@link LlmException}s. Inside an {@link LlmCall @LlmCall} method a call runs its
 * own policy, as {@code LlmClient.embed} does.
 *
 * <p>
 * A response's metadata holds the {@link Served served} facts under
 * {@value LlmChatModel#SERVED_METADATA_KEY} and the policy under
 * {@value LlmChatModel#POLICY_METADATA_KEY}.
 */
public class LlmEmbeddingModel implements EmbeddingModel {

	private static final BlockingCaller CALLER = new BlockingCaller("LlmEmbeddingModel.call(..)", "vectors",
			"the VectorStore", "LlmClient.embed");

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
	 * Ask for the embeddings of the request's texts under the policy and wait for them.
	 * It must not be called on a non-blocking thread (a Reactor event loop or parallel
	 * worker): call it on {@code Schedulers.boundedElastic()} or a virtual thread.
	 * @param request the texts, and options that may name neither a model nor dimensions
	 * @return one embedding per text, in order
	 * @throws IllegalStateException on a non-blocking thread, or for a policy that does
	 * not exist or does not serve embeddings
	 * @throws IllegalArgumentException for options that name a model or dimensions, or an
	 * empty text
	 * @throws LlmException when the policy gave up
	 */
	@Override
	public EmbeddingResponse call(EmbeddingRequest request) {
		CALLER.refuseNonBlockingThread();
		checkOptions(request.getOptions());
		io.github.llmresilience.EmbeddingResponse answer = this.embeddings.embed(request.getInstructions());
		List<Embedding> embeddings = new ArrayList<>(answer.size());
		List<float[]> vectors = answer.vectors();
		for (int i = 0; i < vectors.size(); i++) {
			embeddings.add(new Embedding(vectors.get(i), i));
		}
		return new EmbeddingResponse(embeddings,
				new EmbeddingResponseMetadata((answer.model() != null) ? answer.model() : answer.served().model(),
						usage(answer.usage()), Map.of(LlmChatModel.SERVED_METADATA_KEY, answer.served(),
								LlmChatModel.POLICY_METADATA_KEY, this.embeddings.policy())));
	}

	private void checkOptions(@Nullable EmbeddingOptions options) {
		if (options == null) {
			return;
		}
		if (options.getModel() != null || options.getDimensions() != null) {
			String policy = this.embeddings.policy();
			throw new IllegalArgumentException("The model and the dimensions of llm-resilience embeddings come from "
					+ "the targets of policy '" + policy + "' (llm.policies." + policy + ".model and "
					+ ".dimensions), so options may not set them (model " + options.getModel() + ", dimensions "
					+ options.getDimensions() + ")");
		}
	}

	@Override
	public float[] embed(Document document) {
		String content = getEmbeddingContent(document);
		if (content == null) {
			throw new IllegalArgumentException("Document " + document.getId() + " has no text to embed");
		}
		return embed(content);
	}

	/**
	 * Return the size of the vectors: that of the last answer, else that of the answer to
	 * one call made now.
	 * @return the number of dimensions
	 */
	@Override
	public int dimensions() {
		return this.embeddings.dimensions(() -> embed("Test String").length);
	}

	private static org.springframework.ai.chat.metadata.Usage usage(@Nullable Usage usage) {
		if (usage == null) {
			return new EmptyUsage();
		}
		return new DefaultUsage(Math.toIntExact(usage.promptTokens()), 0, Math.toIntExact(usage.totalTokens()), usage);
	}

	@Override
	public String toString() {
		return "LlmEmbeddingModel[policy=" + this.embeddings.policy() + "]";
	}

}
