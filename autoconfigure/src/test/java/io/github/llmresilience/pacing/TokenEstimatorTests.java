package io.github.llmresilience.pacing;

import java.util.List;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import io.github.llmresilience.ChatMessage;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.pacing.TokenEstimator.Estimate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a request is estimated to cost: jtokkit's counts for OpenAI model names, the
 * characters / 4 rule otherwise, and what the answer adds.
 */
class TokenEstimatorTests {

	private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

	// The example conversation of OpenAI's cookbook, "How to count tokens with tiktoken"
	// (github.com/openai/openai-cookbook,
	// examples/How_to_count_tokens_with_tiktoken.ipynb),
	// without its "name" fields, which ChatMessage does not carry.
	private static final ChatRequest COOKBOOK = ChatRequest.builder()
		.system("You are a helpful, pattern-following assistant that translates corporate jargon into plain "
				+ "English.")
		.system("New synergies will help drive top-line growth.")
		.system("Things working well together will increase revenue.")
		.system("Let's circle back when we have more bandwidth to touch base on opportunities for increased "
				+ "leverage.")
		.system("Let's talk later when we're less busy about how to do better.")
		.user("This late pivot means we don't have time to boil the ocean for the client deliverable.")
		.build();

	private static final ChatRequest SHORT = ChatRequest.builder()
		.system("You are a helpful assistant.")
		.user("Hello there")
		.build();

	private final TokenEstimator withJtokkit = new TokenEstimator(true).loadEncodings();

	private final TokenEstimator withoutJtokkit = new TokenEstimator(false);

	@Test
	void anOpenAiModelsPromptIsCountedWithItsEncodingAsTheCookbookCountsAChat() {
		Encoding o200k = REGISTRY.getEncoding(EncodingType.O200K_BASE);
		assertThat(this.withJtokkit.estimate("gpt-4o", COOKBOOK).promptTokens())
			.isEqualTo(cookbookCount(o200k, COOKBOOK.messages()));
		assertThat(this.withJtokkit.estimate("gpt-4o-mini-2024-07-18", SHORT).promptTokens())
			.isEqualTo(cookbookCount(o200k, SHORT.messages()));
		// A deployment's name as Azure's portal writes it.
		assertThat(this.withJtokkit.estimate("GPT-4o", COOKBOOK).promptTokens())
			.isEqualTo(cookbookCount(o200k, COOKBOOK.messages()));
	}

	@Test
	void eachModelGetsItsOwnEncoding() {
		Encoding cl100k = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
		Encoding o200k = REGISTRY.getEncoding(EncodingType.O200K_BASE);
		assertThat(this.withJtokkit.estimate("gpt-4", COOKBOOK).promptTokens())
			.isEqualTo(cookbookCount(cl100k, COOKBOOK.messages()));
		// Newer models than jtokkit 1.1 knows use o200k_base.
		assertThat(this.withJtokkit.estimate("gpt-4.1-mini", COOKBOOK).promptTokens())
			.isEqualTo(cookbookCount(o200k, COOKBOOK.messages()));
		assertThat(cookbookCount(cl100k, COOKBOOK.messages())).isNotEqualTo(cookbookCount(o200k, COOKBOOK.messages()));
	}

	@Test
	void otherModelsAndNoJtokkitCountCharactersByFourRoundedUpPlusFourPerMessage() {
		// 28 + 11 = 39 characters: 10 tokens, and 4 for each of the 2 messages.
		assertThat(this.withJtokkit.estimate("claude-3-5-haiku", SHORT).promptTokens()).isEqualTo(18);
		assertThat(this.withoutJtokkit.estimate("gpt-4o", SHORT).promptTokens()).isEqualTo(18);
		assertThat(this.withoutJtokkit.estimate("llama3", ChatRequest.builder().user("abcd").build()).promptTokens())
			.isEqualTo(1 + 4);
		assertThat(this.withoutJtokkit.estimate("llama3", ChatRequest.builder().user("abcde").build()).promptTokens())
			.isEqualTo(2 + 4);
	}

	@Test
	void theAnswerAddsMaxTokensOrMaxCompletionTokensOrTheReserve() {
		Estimate unbounded = this.withoutJtokkit.estimate("llama3", SHORT);
		assertThat(unbounded.completionTokens()).isNull();
		assertThat(unbounded.declared(1000)).isEqualTo(18 + 1000);
		assertThat(unbounded.againstHeaders()).isEqualTo(18);
		Estimate bounded = this.withoutJtokkit.estimate("llama3", SHORT.mutate().maxTokens(256).build());
		assertThat(bounded.declared(1000)).isEqualTo(18 + 256);
		assertThat(bounded.againstHeaders()).isEqualTo(256);
		Estimate reasoning = this.withoutJtokkit.estimate("llama3",
				SHORT.mutate().param("max_completion_tokens", 4096).build());
		assertThat(reasoning.declared(1000)).isEqualTo(18 + 4096);
	}

	@Test
	void embeddingsChargeTheirInputsOnly() {
		EmbeddingRequest request = EmbeddingRequest.of("The food was delicious and the waiter...", "abc");
		Encoding cl100k = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
		Estimate counted = this.withJtokkit.estimate("text-embedding-3-small", request);
		assertThat(counted.promptTokens())
			.isEqualTo(cl100k.countTokens("The food was delicious and the waiter...") + cl100k.countTokens("abc"));
		assertThat(counted.declared(1000)).isEqualTo(counted.promptTokens());
		// 40 + 3 = 43 characters: 11 tokens, nothing per input, nothing for an answer.
		Estimate estimated = this.withJtokkit.estimate("nomic-embed-text", request);
		assertThat(estimated.promptTokens()).isEqualTo(11);
		assertThat(estimated.declared(1000)).isEqualTo(11);
	}

	/**
	 * The cookbook's num_tokens_from_messages: 3 per message, its role and content, and 3
	 * that prime the answer.
	 */
	private static long cookbookCount(Encoding encoding, List<ChatMessage> messages) {
		long tokens = 3;
		for (ChatMessage message : messages) {
			tokens += 3 + encoding.countTokens(message.role()) + encoding.countTokens(message.content());
		}
		return tokens;
	}

}
