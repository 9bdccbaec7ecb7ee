package io.github.llmresilience.langchain4j;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import reactor.core.scheduler.Schedulers;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;

/**
 * A LangChain4j {@link ChatModel} that sends every call through {@link LlmClient}, so
 * that AI Services and any other LangChain4j code get the retries, fallbacks, circuit
 * breakers and meters of an llm-resilience policy.
 *
 * <p>
 * Each call is one logical call of the model's policy: AI Services run the tool loop
 * themselves, so each round of that loop is a call of its own, retried and fallen back on
 * its own. The model is not a parameter: it comes from the policy's targets, so a request
 * that names one fails. {@link ChatModelListener}s are called by LangChain4j, once per
 * call. Failures are {@link LlmException}s, as {@code LlmClient} raises them.
 *
 * <p>
 * A call waits for its answer, retries and waits included, so it must not run on a
 * non-blocking thread (a Reactor event loop or parallel worker): there it fails at once
 * with an {@link IllegalStateException}. Inside an {@link LlmCall @LlmCall} method a call
 * joins the method's call (one attempt against the target the method's call chose).
 *
 * <p>
 * A response's metadata is an {@link LlmChatResponseMetadata}, which adds the served
 * facts and the policy to LangChain4j's.
 */
public class LlmChatModel implements ChatModel {

	private static final String DEFAULT_POLICY = "default";

	private final LlmClient client;

	private final String policy;

	private final ChatRequestParameters defaultRequestParameters;

	private final List<ChatModelListener> listeners;

	private final Set<Capability> supportedCapabilities;

	/**
	 * Create a model whose calls run under the {@code default} policy.
	 * @param client the client
	 */
	public LlmChatModel(LlmClient client) {
		this(client, DEFAULT_POLICY);
	}

	/**
	 * Create a model whose calls run under the given policy.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies}
	 */
	public LlmChatModel(LlmClient client, String policy) {
		this(client, policy, DefaultChatRequestParameters.EMPTY, List.of(),
				Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA));
	}

	/**
	 * Create a model.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies}
	 * @param defaultRequestParameters the parameters of every request, which a request's
	 * own parameters override
	 * @param listeners the listeners LangChain4j calls around each call
	 * @param supportedCapabilities what the policy's targets support; with
	 * {@link Capability#RESPONSE_FORMAT_JSON_SCHEMA}, AI Services ask for structured
	 * output with a JSON schema rather than with instructions in the prompt
	 */
	public LlmChatModel(LlmClient client, String policy, ChatRequestParameters defaultRequestParameters,
			List<ChatModelListener> listeners, Set<Capability> supportedCapabilities) {
		this.client = Objects.requireNonNull(client, "'client' must not be null");
		this.policy = Objects.requireNonNull(policy, "'policy' must not be null");
		this.defaultRequestParameters = Objects.requireNonNull(defaultRequestParameters,
				"'defaultRequestParameters' must not be null");
		this.listeners = List.copyOf(listeners);
		this.supportedCapabilities = Set.copyOf(supportedCapabilities);
	}

	/**
	 * Return the policy of this model's calls.
	 * @return the policy's name
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Send the request under the model's policy and wait for the answer. LangChain4j
	 * calls this from {@link #chat(ChatRequest)}, with the default parameters merged in
	 * and the listeners around it.
	 * @param chatRequest the request
	 * @return the answer
	 * @throws IllegalStateException on a non-blocking thread, or for a policy that does
	 * not exist
	 * @throws IllegalArgumentException for a request the chat completions API cannot
	 * carry
	 * @throws LlmException when the policy gave up
	 */
	@Override
	public ChatResponse doChat(ChatRequest chatRequest) {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException("LlmChatModel.chat(..) waits for the answer, and was called on the "
					+ "non-blocking thread " + Thread.currentThread().getName() + "; call it (or an AI Service that "
					+ "uses it) on Schedulers.boundedElastic() or a virtual thread, or use LlmStreamingChatModel");
		}
		ModelCall call = ModelCall.prepare(this.client, this.policy, chatRequest);
		io.github.llmresilience.ChatResponse answer = Objects.requireNonNull(call.chat().block(),
				"LlmClient completed without an answer");
		return LangChain4jMapping.toChatResponse(answer, call.policy());
	}

	@Override
	public ChatRequestParameters defaultRequestParameters() {
		return this.defaultRequestParameters;
	}

	@Override
	public List<ChatModelListener> listeners() {
		return this.listeners;
	}

	@Override
	public Set<Capability> supportedCapabilities() {
		return this.supportedCapabilities;
	}

	@Override
	public String toString() {
		return "LlmChatModel[policy=" + this.policy + "]";
	}

}
