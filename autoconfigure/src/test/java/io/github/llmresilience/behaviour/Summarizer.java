package io.github.llmresilience.behaviour;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Priority;

/**
 * A service as users write it: {@code @LlmCall} methods of every supported return type
 * around {@link LlmClient} calls.
 */
public class Summarizer {

	private final LlmClient llm;

	public Summarizer(LlmClient llm) {
		this.llm = llm;
	}

	static ChatRequest request(String text) {
		return ChatRequest.builder().system("Summarise.").user(text).build();
	}

	@LlmCall(policy = "summaries")
	public Mono<ChatResponse> summarise(String text) {
		return this.llm.chat(request(text));
	}

	/**
	 * A retrieval step inside a chat method: the question's embedding, then the chat
	 * call.
	 * @param text the question
	 * @return the answer
	 */
	@LlmCall(policy = "summaries")
	public Mono<ChatResponse> summariseWithRetrieval(String text) {
		return this.llm.embed(EmbeddingRequest.of(text)).flatMap((vectors) -> this.llm.chat(request(text)));
	}

	@LlmCall(policy = "summaries", priority = Priority.BATCH)
	public Mono<ChatResponse> summariseInBackground(String text) {
		return this.llm.chat(request(text));
	}

	@LlmCall(policy = "summaries", fallbackMethod = "cached")
	public Mono<String> summariseOrCached(String text) {
		return this.llm.chat(request(text)).map(ChatResponse::content);
	}

	public Mono<String> cached(String text, Throwable cause) {
		return Mono.just("(summary unavailable)");
	}

	@LlmCall(policy = "summaries", idempotent = false)
	public Mono<ChatResponse> summariseOnce(String text) {
		return this.llm.chat(request(text));
	}

	@LlmCall(policy = "summaries")
	public ChatResponse summariseBlocking(String text) {
		return this.llm.chat(request(text)).block();
	}

	@LlmCall(policy = "summaries")
	public CompletionStage<ChatResponse> summariseAsync(String text) {
		return this.llm.chat(request(text)).toFuture();
	}

	@LlmCall(policy = "summaries")
	public CompletableFuture<ChatResponse> summariseOnAnotherThread(String text) {
		// The LlmClient call is made here, on the attempt's thread, and subscribed on
		// another.
		Mono<ChatResponse> call = this.llm.chat(request(text));
		return call.subscribeOn(Schedulers.boundedElastic()).toFuture();
	}

	@LlmCall(policy = "summaries")
	public Mono<ChatResponse> summariseHoppingThreads(String text) {
		return Mono.fromCallable(() -> text)
			.publishOn(Schedulers.boundedElastic())
			.flatMap((prompt) -> this.llm.chat(request(prompt)))
			.publishOn(Schedulers.parallel());
	}

	@LlmCall(policy = "parsing")
	public Mono<Integer> countWords(String text) {
		// A model that answers with something other than a number makes this throw
		// NumberFormatException, which the "parsing" policy retries.
		return this.llm.chat(request(text)).map((response) -> Integer.parseInt(response.content().trim()));
	}

	@LlmCall(policy = "streaming")
	public Flux<ChatChunk> stream(String text) {
		return this.llm.stream(request(text));
	}

	@LlmCall(policy = "streaming")
	public Flux<String> streamText(String text) {
		return this.llm.stream(request(text)).map(ChatChunk::text);
	}

}
