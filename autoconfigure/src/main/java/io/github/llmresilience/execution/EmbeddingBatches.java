package io.github.llmresilience.execution;

import java.util.ArrayList;
import java.util.List;

import io.github.llmresilience.policy.EmbeddingSettings;

/**
 * Splits the inputs of an embeddings call into batches that one request may carry: at
 * most so many inputs, and at most so many estimated tokens
 * ({@link EmbeddingSettings#estimateTokens(String)}). Batches keep the inputs' order; an
 * input larger than the token limit alone is a batch of its own (the provider then says
 * whether it fits the model).
 */
final class EmbeddingBatches {

	private EmbeddingBatches() {
	}

	/**
	 * Split inputs into consecutive batches.
	 * @param inputs the inputs
	 * @param maxInputs the most inputs per batch
	 * @param maxTokens the most estimated tokens per batch
	 * @return the bounds of each batch: {@code [from, to)} into the inputs
	 */
	static List<int[]> split(List<String> inputs, int maxInputs, long maxTokens) {
		List<int[]> batches = new ArrayList<>();
		int from = 0;
		long tokens = 0;
		for (int i = 0; i < inputs.size(); i++) {
			long estimate = EmbeddingSettings.estimateTokens(inputs.get(i));
			boolean full = (i - from == maxInputs) || (i > from && tokens + estimate > maxTokens);
			if (full) {
				batches.add(new int[] { from, i });
				from = i;
				tokens = 0;
			}
			tokens += estimate;
		}
		batches.add(new int[] { from, inputs.size() });
		return batches;
	}

}
