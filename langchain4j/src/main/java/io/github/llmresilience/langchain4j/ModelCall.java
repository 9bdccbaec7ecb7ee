package io.github.llmresilience.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.execution.AttemptScope;
import io.github.llmresilience.execution.AttemptScope.Binding;

/**
 * One call of a model: its request, and how it names its policy.
 *
 * @param client the client
 * @param named the policy to name, or {@code null} to join an enclosing {@code @LlmCall}
 * method's call
 * @param policy the name of the policy that runs the call, if known, for the metadata
 * @param request the request
 */
record ModelCall(LlmClient client, @Nullable String named, @Nullable String policy,
		io.github.llmresilience.ChatRequest request) {

	/**
	 * Prepare a call of a model whose calls run under the given policy.
	 * @param client the client
	 * @param policy the model's policy
	 * @param chatRequest the request, merged with the model's default parameters
	 * @return the call
	 * @throws IllegalArgumentException for a request the model cannot send
	 */
	static ModelCall prepare(LlmClient client, String policy, ChatRequest chatRequest) {
		io.github.llmresilience.ChatRequest request = LangChain4jMapping.toRequest(chatRequest);
		Binding bound = AttemptScope.current();
		if (bound != null) {
			// Inside an @LlmCall method: name no policy, so that the call joins the
			// method's.
			return new ModelCall(client, null, bound.policy(), request);
		}
		return new ModelCall(client, policy, policy, request);
	}

	Mono<ChatResponse> chat() {
		return (this.named != null) ? this.client.chat(this.named, this.request) : this.client.chat(this.request);
	}

	Flux<ChatChunk> stream() {
		return (this.named != null) ? this.client.stream(this.named, this.request) : this.client.stream(this.request);
	}

}
