package io.github.llmresilience.execution;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.policy.EmbeddingSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * How the inputs of an embeddings call are split into batches.
 */
class EmbeddingBatchesTests {

	private static List<String> repeat(String input, int count) {
		return Collections.nCopies(count, input);
	}

	@Test
	void aTokenIsEstimatedAsFourCharactersRoundedUp() {
		assertThat(EmbeddingSettings.estimateTokens("a")).isEqualTo(1);
		assertThat(EmbeddingSettings.estimateTokens("abcd")).isEqualTo(1);
		assertThat(EmbeddingSettings.estimateTokens("abcde")).isEqualTo(2);
		assertThat(EmbeddingSettings.estimateTokens("x".repeat(4000))).isEqualTo(1000);
	}

	@Test
	void inputsThatFitOneRequestAreOneBatch() {
		assertThat(EmbeddingBatches.split(repeat("text", 2048), 2048, 300_000)).containsExactly(new int[] { 0, 2048 });
	}

	@Test
	void fiveThousandInputsMakeTwoFullBatchesAndTheRest() {
		assertThat(EmbeddingBatches.split(repeat("text", 5000), 2048, 300_000)).containsExactly(new int[] { 0, 2048 },
				new int[] { 2048, 4096 }, new int[] { 4096, 5000 });
	}

	@Test
	void aBatchEndsBeforeTheInputThatWouldTakeItPastTheTokenLimit() {
		// 1,000 estimated tokens each: three fit under 3,500, the fourth starts a batch.
		List<String> inputs = repeat("x".repeat(4000), 7);
		assertThat(EmbeddingBatches.split(inputs, 2048, 3_500)).containsExactly(new int[] { 0, 3 }, new int[] { 3, 6 },
				new int[] { 6, 7 });
		assertThat(EmbeddingBatches.split(inputs, 2048, 3_000)).containsExactly(new int[] { 0, 3 }, new int[] { 3, 6 },
				new int[] { 6, 7 });
	}

	@Test
	void anInputLargerThanTheTokenLimitIsABatchOfItsOwn() {
		List<String> inputs = List.of("small", "x".repeat(40_000), "small");
		assertThat(EmbeddingBatches.split(inputs, 2048, 1_000)).containsExactly(new int[] { 0, 1 }, new int[] { 1, 2 },
				new int[] { 2, 3 });
	}

	@Test
	void batchesSliceTheRequestKeepingItsUser() {
		EmbeddingRequest request = EmbeddingRequest.of("a", "b", "c").user("u");
		assertThat(request.slice(1, 3).inputs()).containsExactly("b", "c");
		assertThat(request.slice(1, 3).user()).isEqualTo("u");
	}

	@Test
	void aRequestWithoutInputsOrWithAnEmptyInputIsRefusedWhenItIsBuilt() {
		assertThatIllegalArgumentException().isThrownBy(() -> EmbeddingRequest.of(List.of()))
			.withMessageContaining("at least one input");
		assertThatIllegalArgumentException().isThrownBy(() -> EmbeddingRequest.of("fine", ""))
			.withMessageContaining("Input 1")
			.withMessageContaining("empty");
	}

}
