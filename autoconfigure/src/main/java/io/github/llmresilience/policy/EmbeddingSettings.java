package io.github.llmresilience.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What an embeddings policy adds to a policy: the vector size each of its targets is
 * asked for, and how a request with many inputs is split into batches.
 *
 * @param dimensions the {@code dimensions} each target is asked for, in the order of the
 * policy's targets; {@code null} where the model's own size applies
 * @param maxInputsPerRequest the most inputs one request may carry: the lowest of the
 * policy's providers' {@code max-inputs-per-request}
 * @param maxTokensPerRequest the most estimated tokens one request may carry: the lowest
 * of the policy's providers' {@code max-tokens-per-request}
 * @param maxConcurrentBatches the most batches of one call in flight at once
 * @param allowMixedModels whether the targets may be different models; then every batch
 * of a call goes to the target that served its first batch
 */
public record EmbeddingSettings(List<@Nullable Integer> dimensions, int maxInputsPerRequest, long maxTokensPerRequest,
		int maxConcurrentBatches, boolean allowMixedModels) {

	/**
	 * Create settings.
	 * @param dimensions the dimensions of each target
	 * @param maxInputsPerRequest the most inputs per request
	 * @param maxTokensPerRequest the most tokens per request
	 * @param maxConcurrentBatches the most batches in flight
	 * @param allowMixedModels whether targets may differ
	 */
	public EmbeddingSettings {
		// List.copyOf refuses nulls, which mean "the model's own size" here.
		dimensions = Collections.unmodifiableList(new ArrayList<>(dimensions));
		if (maxInputsPerRequest < 1 || maxTokensPerRequest < 1 || maxConcurrentBatches < 1) {
			throw new IllegalArgumentException("Batch limits must be at least 1");
		}
	}

	/**
	 * Return the {@code dimensions} a target of the policy is asked for.
	 * @param targetIndex the target's position in the policy, the primary at 0
	 * @return the dimensions, or {@code null} for the model's own size
	 */
	public @Nullable Integer dimensions(int targetIndex) {
		return (targetIndex < this.dimensions.size()) ? this.dimensions.get(targetIndex) : null;
	}

	/**
	 * Estimate the tokens of one input as a provider's limits count them: its characters
	 * divided by four, rounded up (no tokenizer is needed, and the estimate errs on the
	 * side of smaller batches for English text).
	 * @param input the input
	 * @return the estimated tokens
	 */
	public static long estimateTokens(String input) {
		return (input.length() + 3L) / 4;
	}

}
