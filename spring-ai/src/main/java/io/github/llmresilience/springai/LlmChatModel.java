package io.github.llmresilience.springai;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.definition.ToolDefinition;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.execution.AttemptScope;
import io.github.llmresilience.execution.AttemptScope.Binding;
import io.github.llmresilience.support.BlockingCaller;

/**
 * A Spring AI {@link ChatModel} (and so {@code StreamingChatModel}) that sends every call
 * through {@link LlmClient}, so that {@code ChatClient} calls get the retries, fallbacks,
 * circuit breakers and meters of an llm-resilience policy.
 *
 * <p>
 * Each {@link #call(Prompt)} and {@link #stream(Prompt)} is one logical call of the
 * policy: {@code ChatClient} runs the tool-calling loop itself, so each round of that
 * loop is a call of its own, retried and fallen back on its own. The policy is
 * {@link LlmChatOptions#getPolicy()} of the prompt's options, else the model's
 * {@link #getPolicy() policy}. Failures are {@link LlmException}s, as {@code LlmClient}
 * raises them.
 *
 * <p>
 * A stream keeps llm-resilience's rule: retries and fallbacks happen only before its
 * first chunk, no chunk is delivered twice, and a failure after the first chunk ends it
 * with an {@link LlmStreamInterruptedException}. A prompt that offers tools streams too:
 * the model's tool calls arrive whole in the response that ends them, never in part, so
 * that {@code ChatClient}'s streaming tool loop runs them.
 *
 * <p>
 * Inside an {@link LlmCall @LlmCall} method the method's call owns the policy: a call
 * whose options name no policy joins it (one attempt against the target the method's call
 * chose), and a call whose options name another policy than the method's fails with an
 * {@link IllegalStateException}.
 *
 * <p>
 * A response's metadata holds the {@link Served served} facts under
 * {@value #SERVED_METADATA_KEY} (streamed responses do not have them) and the policy
 * under {@value #POLICY_METADATA_KEY}.
 */
public class LlmChatModel implements ChatModel {

	/**
	 * The key of the {@link Served} facts (provider, model, attempts, fallback) in a
	 * response's metadata.
	 */
	public static final String SERVED_METADATA_KEY = "llm.served";

	/**
	 * The key of the name of the policy that ran the call in a response's metadata.
	 */
	public static final String POLICY_METADATA_KEY = "llm.policy";

	private static final String DEFAULT_POLICY = "default";

	private static final BlockingCaller CALLER = new BlockingCaller("LlmChatModel.call(..)", "answer",
			"ChatClient's call()", "stream()");

	private final LlmClient client;

	private final String policy;

	private final LlmChatOptions defaultOptions;

	private final ToolCallingManager toolCallingManager;

	/**
	 * Create a model whose calls run under the {@code default} policy unless their
	 * options name another.
	 * @param client the client
	 */
	public LlmChatModel(LlmClient client) {
		this(client, DEFAULT_POLICY);
	}

	/**
	 * Create a model whose calls run under the given policy unless their options name
	 * another.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies}
	 */
	public LlmChatModel(LlmClient client, String policy) {
		this(client, policy, LlmChatOptions.builder().build(), ToolCallingManager.builder().build());
	}

	/**
	 * Create a model with default options, which {@code ChatClient} combines with each
	 * call's, and the manager that turns a prompt's tools into tool definitions.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies}, for calls whose
	 * options name none
	 * @param defaultOptions the default options; a policy named there is named by every
	 * call
	 * @param toolCallingManager the tool calling manager
	 */
	public LlmChatModel(LlmClient client, String policy, LlmChatOptions defaultOptions,
			ToolCallingManager toolCallingManager) {
		this.client = Objects.requireNonNull(client, "'client' must not be null");
		this.policy = Objects.requireNonNull(policy, "'policy' must not be null");
		this.defaultOptions = Objects.requireNonNull(defaultOptions, "'defaultOptions' must not be null");
		this.toolCallingManager = Objects.requireNonNull(toolCallingManager, "'toolCallingManager' must not be null");
	}

	/**
	 * Return the policy of calls whose options name none.
	 * @return the policy's name
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Return the default options, which {@code ChatClient} starts each call's options
	 * from.
	 * @return the default options
	 */
	@Override
	public LlmChatOptions getOptions() {
		return this.defaultOptions;
	}

	/**
	 * Send the prompt under its policy and wait for the answer. It must not be called on
	 * a non-blocking thread (a Reactor event loop or parallel worker): call it on
	 * {@code Schedulers.boundedElastic()} or a virtual thread, or use
	 * {@link #stream(Prompt)}.
	 * @param prompt the prompt
	 * @return the answer
	 * @throws IllegalStateException on a non-blocking thread, or for a policy that does
	 * not exist
	 * @throws IllegalArgumentException for a prompt the chat completions API cannot carry
	 * @throws LlmException when the policy gave up
	 */
	@Override
	public ChatResponse call(Prompt prompt) {
		CALLER.refuseNonBlockingThread();
		Binding bound = AttemptScope.current();
		Call call = prepare(prompt, bound != null, (bound != null) ? bound.policy() : null);
		return ChatModelMapping.toChatResponse(CALLER.await(call.chat()), call.policy());
	}

	/**
	 * Stream the answer to the prompt under its policy.
	 * @param prompt the prompt
	 * @return the responses, one per chunk
	 */
	@Override
	public Flux<ChatResponse> stream(Prompt prompt) {
		Binding bound = AttemptScope.current();
		return Flux.deferContextual((context) -> {
			AttemptScope scope = (AttemptScope) context.getOrDefault(AttemptScope.contextKey(), null);
			String running = (scope != null) ? scope.call().policy().name() : (bound != null) ? bound.policy() : null;
			Call call = prepare(prompt, scope != null || bound != null, running);
			return call.stream().map((chunk) -> ChatModelMapping.toChatResponse(chunk, call.policy()));
		});
	}

	/**
	 * Prepare a call: its options, its request, and how it names its policy.
	 * @param prompt the prompt
	 * @param enclosed whether the call runs inside an {@code @LlmCall} method
	 * @param running the policy of that method's call, or {@code null} if not known yet
	 */
	private Call prepare(Prompt prompt, boolean enclosed, @Nullable String running) {
		LlmChatOptions options = options(prompt.getOptions());
		List<ToolDefinition> tools = this.toolCallingManager.resolveToolDefinitions(options);
		ChatRequest request = ChatModelMapping.toRequest(prompt, options, tools);
		if (options.getPolicy() != null) {
			return new Call(this.client, options.getPolicy(), options.getPolicy(), request);
		}
		if (enclosed) {
			// Inside an @LlmCall method: name no policy, so that the call joins the
			// method's.
			return new Call(this.client, null, running, request);
		}
		return new Call(this.client, this.policy, this.policy, request);
	}

	private LlmChatOptions options(@Nullable ChatOptions options) {
		if (options == null) {
			return this.defaultOptions;
		}
		if (options instanceof LlmChatOptions llmOptions) {
			// ChatClient starts from getOptions(): these already hold the defaults.
			return llmOptions;
		}
		return this.defaultOptions.mutate().combineWith(options.mutate()).build();
	}

	@Override
	public String toString() {
		return "LlmChatModel[policy=" + this.policy + "]";
	}

	/**
	 * One call to make.
	 *
	 * @param client the client
	 * @param named the policy to name, or {@code null} to join an enclosing
	 * {@code @LlmCall}
	 * @param policy the name of the policy that runs the call, if known, for the metadata
	 * @param request the request
	 */
	private record Call(LlmClient client, @Nullable String named, @Nullable String policy, ChatRequest request) {

		Mono<io.github.llmresilience.ChatResponse> chat() {
			return (this.named != null) ? this.client.chat(this.named, this.request) : this.client.chat(this.request);
		}

		Flux<io.github.llmresilience.ChatChunk> stream() {
			return (this.named != null) ? this.client.stream(this.named, this.request)
					: this.client.stream(this.request);
		}

	}

}
