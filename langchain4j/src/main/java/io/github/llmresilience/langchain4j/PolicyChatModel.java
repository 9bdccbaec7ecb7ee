package io.github.llmresilience.langchain4j;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;

import io.github.llmresilience.LlmClient;

/**
 * What {@link LlmChatModel} and {@link LlmStreamingChatModel} share: the client, the
 * policy of their calls, and what LangChain4j asks every model for (default parameters,
 * listeners, capabilities).
 */
abstract class PolicyChatModel {

	/**
	 * The policy of a model created without one.
	 */
	static final String DEFAULT_POLICY = "default";

	/**
	 * The capabilities of a model created without them: AI Services ask for structured
	 * output with a JSON schema.
	 */
	static final Set<Capability> DEFAULT_CAPABILITIES = Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);

	private final LlmClient client;

	private final String policy;

	private final ChatRequestParameters defaultRequestParameters;

	private final List<ChatModelListener> listeners;

	private final Set<Capability> supportedCapabilities;

	PolicyChatModel(LlmClient client, String policy, ChatRequestParameters defaultRequestParameters,
			List<ChatModelListener> listeners, Set<Capability> supportedCapabilities) {
		this.client = Objects.requireNonNull(client, "'client' must not be null");
		this.policy = Objects.requireNonNull(policy, "'policy' must not be null");
		this.defaultRequestParameters = Objects.requireNonNull(defaultRequestParameters,
				"'defaultRequestParameters' must not be null");
		this.listeners = List.copyOf(listeners);
		this.supportedCapabilities = Set.copyOf(supportedCapabilities);
	}

	/**
	 * Prepare a call of this model.
	 * @param chatRequest the request, merged with the default parameters
	 * @return the call
	 * @throws IllegalArgumentException for a request the chat completions API cannot
	 * carry
	 */
	ModelCall prepare(ChatRequest chatRequest) {
		return ModelCall.prepare(this.client, this.policy, chatRequest);
	}

	/**
	 * Return the policy of this model's calls.
	 * @return the policy's name
	 */
	public String getPolicy() {
		return this.policy;
	}

	/**
	 * Return the parameters of every request, which a request's own parameters override.
	 * @return the default request parameters
	 */
	public ChatRequestParameters defaultRequestParameters() {
		return this.defaultRequestParameters;
	}

	/**
	 * Return the listeners LangChain4j calls around each call.
	 * @return the listeners
	 */
	public List<ChatModelListener> listeners() {
		return this.listeners;
	}

	/**
	 * Return what the policy's targets support.
	 * @return the capabilities
	 */
	public Set<Capability> supportedCapabilities() {
		return this.supportedCapabilities;
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[policy=" + this.policy + "]";
	}

}
