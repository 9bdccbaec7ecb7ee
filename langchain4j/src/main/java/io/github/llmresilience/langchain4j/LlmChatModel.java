package io.github.llmresilience.langchain4j;

import java.util.List;
import java.util.Set;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.support.BlockingCaller;

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
public class LlmChatModel extends PolicyChatModel implements ChatModel {

	private static final BlockingCaller CALLER = new BlockingCaller("LlmChatModel.chat(..)", "answer",
			"an AI Service that uses it", "LlmStreamingChatModel");

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
		this(client, policy, DefaultChatRequestParameters.EMPTY, List.of(), DEFAULT_CAPABILITIES);
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
		super(client, policy, defaultRequestParameters, listeners, supportedCapabilities);
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
		CALLER.refuseNonBlockingThread();
		ModelCall call = prepare(chatRequest);
		return LangChain4jMapping.toChatResponse(CALLER.await(call.chat()), call.policy());
	}

}
