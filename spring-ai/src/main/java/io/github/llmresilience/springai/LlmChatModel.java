package io.github.llmresilience.springai;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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

/**
 * A Spring AI {@link ChatModel} (and so {@code StreamingChatModel}) that sends every call
 * through {@link LlmClient}, so that {@code ChatClient} calls get the retries, fallbacks,
 * circuit breakers and meters of an llm-resilience policy.
 *
 * <p>
 * Each {@link #call(Prompt)} and {@link #stream(Prompt)} is one logical call of the policy:
 * {@code ChatClient} runs the tool-calling loop itself, so each round of that loop is a call
 * of its own, retried and fallen back on its own. The policy is
 * {@link LlmChatOptions#getPolicy()} of the prompt's options, else that of the model's
 * {@link #getOptions() default options}. Failures are {@link LlmException}s, as
 * {@code LlmClient} raises them.
 *
 * <p>
 * A stream keeps llm-resilience's rule: retries and fallbacks happen only before its first
 * chunk, no chunk is delivered twice, and a failure after the first chunk ends it with an
 * {@link LlmStreamInterruptedException}. A prompt that offers tools is sent as one
 * non-streamed call and its answer emitted as a single response, because
 * {@code LlmClient}'s chunks do not carry tool calls.
 *
 * <p>
 * Inside an {@link LlmCall @LlmCall} method the method's call owns the policy: a call under the
 * {@code default} policy joins it (one attempt against the target the method's call chose), and a
 * call that names another policy than the method's fails with an {@link IllegalStateException}.
 *
 * <p>
 * A response's metadata holds the {@link Served served} facts under
 * {@value #SERVED_METADATA_KEY} (streamed responses do not have them) and the policy under
 * {@value #POLICY_METADATA_KEY}.
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

	private final LlmClient client;

	private final LlmChatOptions defaultOptions;

	private final ToolCallingManager toolCallingManager;

	/**
	 * Create a model that runs calls under the {@code default} policy.
	 * @param client the client
	 */
	public LlmChatModel(LlmClient client) {
		this(client, LlmChatOptions.builder().policy(DEFAULT_POLICY).build());
	}

	/**
	 * Create a model with default options, which {@code ChatClient} combines with each call's.
	 * @param client the client
	 * @param defaultOptions the default options, typically a policy
	 */
	public LlmChatModel(LlmClient client, LlmChatOptions defaultOptions) {
		this(client, defaultOptions, ToolCallingManager.builder().build());
	}

	/**
	 * Create a model with default options and the manager that turns a prompt's tools into
	 * tool definitions.
	 * @param client the client
	 * @param defaultOptions the default options, typically a policy
	 * @param toolCallingManager the tool calling manager
	 */
	public LlmChatModel(LlmClient client, LlmChatOptions defaultOptions, ToolCallingManager toolCallingManager) {
		this.client = Objects.requireNonNull(client, "'client' must not be null");
		this.defaultOptions = Objects.requireNonNull(defaultOptions, "'defaultOptions' must not be null");
		this.toolCallingManager = Objects.requireNonNull(toolCallingManager, "'toolCallingManager' must not be null");
	}

	/**
	 * Return the default options, which {@code ChatClient} starts each call's options from.
	 * @return the default options
	 */
	@Override
	public LlmChatOptions getOptions() {
		return this.defaultOptions;
	}

	/**
	 * Send the prompt under its policy and wait for the answer. It must not be called on a
	 * non-blocking thread (a Reactor event loop or parallel worker): call it on
	 * {@code Schedulers.boundedElastic()} or a virtual thread, or use {@link #stream(Prompt)}.
	 * @param prompt the prompt
	 * @return the answer
	 * @throws IllegalStateException on a non-blocking thread, or for a policy that does not
	 * exist
	 * @throws IllegalArgumentException for a prompt the chat completions API cannot carry
	 * @throws LlmException when the policy gave up
	 */
	@Override
	public ChatResponse call(Prompt prompt) {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException("LlmChatModel.call(..) waits for the answer, and was called on the "
					+ "non-blocking thread " + Thread.currentThread().getName() + "; call it (or ChatClient's "
					+ "call()) on Schedulers.boundedElastic() or a virtual thread, or use stream()");
		}
		Call call = prepare(prompt);
		io.github.llmresilience.ChatResponse answer = Objects.requireNonNull(call.chat().block(),
				"LlmClient completed without an answer");
		return ChatModelMapping.toChatResponse(answer, call.policy());
	}

	/**
	 * Stream the answer to the prompt under its policy.
	 * @param prompt the prompt
	 * @return the responses, one per chunk
	 */
	@Override
	public Flux<ChatResponse> stream(Prompt prompt) {
		return Flux.defer(() -> {
			Call call = prepare(prompt);
			if (call.request().params().containsKey("tools")) {
				return call.chat().map((answer) -> ChatModelMapping.toChatResponse(answer, call.policy())).flux();
			}
			return call.stream().map((chunk) -> ChatModelMapping.toChatResponse(chunk, call.policy()));
		});
	}

	private Call prepare(Prompt prompt) {
		LlmChatOptions options = options(prompt.getOptions());
		List<ToolDefinition> tools = this.toolCallingManager.resolveToolDefinitions(options);
		ChatRequest request = ChatModelMapping.toRequest(prompt, options, tools);
		String policy = (options.getPolicy() != null) ? options.getPolicy() : this.defaultOptions.getPolicy();
		return new Call(this.client, (policy != null) ? policy : DEFAULT_POLICY, request);
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
		return "LlmChatModel[policy=" + this.defaultOptions.getPolicy() + "]";
	}

	/**
	 * One call to make.
	 *
	 * @param client the client
	 * @param policy the policy's name
	 * @param request the request
	 */
	private record Call(LlmClient client, String policy, ChatRequest request) {

		// The default policy is named by naming none, so that a ChatClient call inside an
		// @LlmCall method joins that method's call instead of naming a policy of its own.
		Mono<io.github.llmresilience.ChatResponse> chat() {
			return DEFAULT_POLICY.equals(this.policy) ? this.client.chat(this.request)
					: this.client.chat(this.policy, this.request);
		}

		Flux<io.github.llmresilience.ChatChunk> stream() {
			return DEFAULT_POLICY.equals(this.policy) ? this.client.stream(this.request)
					: this.client.stream(this.policy, this.request);
		}

	}

}
