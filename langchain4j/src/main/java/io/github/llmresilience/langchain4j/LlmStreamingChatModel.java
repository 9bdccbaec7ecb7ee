package io.github.llmresilience.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.langchain4j.internal.InternalStreamingChatResponseHandlerUtils;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.ToolCall;
import io.github.llmresilience.Usage;

/**
 * A LangChain4j {@link StreamingChatModel} that streams every call through
 * {@link LlmClient} under an llm-resilience policy, so that AI Services'
 * {@code TokenStream} gets retries and fallbacks, which LangChain4j's own streaming
 * models do not have.
 *
 * <p>
 * A stream keeps llm-resilience's rule: retries and fallbacks happen only before its
 * first chunk reaches the handler, no chunk is delivered twice, and a failure after the
 * first chunk reaches {@code onError} as an {@link LlmStreamInterruptedException}. Tool
 * calls, which the provider streams in pieces, reach the handler whole
 * ({@code onCompleteToolCall}), never in part, and the complete response carries them.
 * The handler is called on a {@code Schedulers.boundedElastic()} thread, never on an HTTP
 * event loop, so that its code (an AI Service running a tool, say) may block.
 * {@link ChatModelListener}s are called by LangChain4j, once per call. The model is not a
 * parameter: it comes from the policy's targets.
 */
public class LlmStreamingChatModel extends PolicyChatModel implements StreamingChatModel {

	/**
	 * Create a model whose calls run under the {@code default} policy.
	 * @param client the client
	 */
	public LlmStreamingChatModel(LlmClient client) {
		this(client, DEFAULT_POLICY);
	}

	/**
	 * Create a model whose calls run under the given policy.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies}
	 */
	public LlmStreamingChatModel(LlmClient client, String policy) {
		this(client, policy, DefaultChatRequestParameters.EMPTY, List.of(), DEFAULT_CAPABILITIES);
	}

	/**
	 * Create a model.
	 * @param client the client
	 * @param policy the name of a policy under {@code llm.policies}
	 * @param defaultRequestParameters the parameters of every request, which a request's
	 * own parameters override
	 * @param listeners the listeners LangChain4j calls around each call
	 * @param supportedCapabilities what the policy's targets support
	 */
	public LlmStreamingChatModel(LlmClient client, String policy, ChatRequestParameters defaultRequestParameters,
			List<ChatModelListener> listeners, Set<Capability> supportedCapabilities) {
		super(client, policy, defaultRequestParameters, listeners, supportedCapabilities);
	}

	/**
	 * Stream the answer to the request under the model's policy. LangChain4j calls this
	 * from {@link #chat(ChatRequest, StreamingChatResponseHandler)}, with the default
	 * parameters merged in and the listeners around the handler. It returns at once; a
	 * request the chat completions API cannot carry reaches {@code onError} at once, with
	 * an {@link IllegalArgumentException} that says what to do instead.
	 * @param chatRequest the request
	 * @param handler the handler
	 */
	@Override
	public void doChat(ChatRequest chatRequest, StreamingChatResponseHandler handler) {
		ModelCall call;
		try {
			call = prepare(chatRequest);
		}
		catch (RuntimeException ex) {
			InternalStreamingChatResponseHandlerUtils.withLoggingExceptions(() -> handler.onError(ex));
			return;
		}
		Handle handle = new Handle();
		Answer answer = new Answer(call.policy());
		handle.disposable = call.stream()
			// The handler's code may block (an AI Service runs its tools there).
			.publishOn(Schedulers.boundedElastic())
			.subscribe((chunk) -> answer.next(chunk, handler, handle), (error) -> {
				if (!handle.isCancelled()) {
					InternalStreamingChatResponseHandlerUtils.withLoggingExceptions(() -> handler.onError(error));
				}
			}, () -> {
				if (!handle.isCancelled()) {
					InternalStreamingChatResponseHandlerUtils.onCompleteResponse(handler, answer.response());
				}
			});
	}

	/**
	 * Cancels the stream for a handler that asks to.
	 */
	private static final class Handle implements StreamingHandle {

		private volatile @Nullable Disposable disposable;

		private volatile boolean cancelled;

		@Override
		public void cancel() {
			this.cancelled = true;
			Disposable subscription = this.disposable;
			if (subscription != null) {
				subscription.dispose();
			}
		}

		@Override
		public boolean isCancelled() {
			return this.cancelled;
		}

	}

	/**
	 * The answer so far, for the complete response; its chunks arrive one at a time.
	 */
	private static final class Answer {

		private final @Nullable String policy;

		private final StringBuilder text = new StringBuilder();

		private final List<ToolCall> toolCalls = new ArrayList<>();

		private @Nullable String finishReason;

		private @Nullable Usage usage;

		private @Nullable String model;

		Answer(@Nullable String policy) {
			this.policy = policy;
		}

		void next(ChatChunk chunk, StreamingChatResponseHandler handler, Handle handle) {
			if (handle.isCancelled()) {
				return;
			}
			if (chunk.model() != null) {
				this.model = chunk.model();
			}
			if (chunk.finishReason() != null) {
				this.finishReason = chunk.finishReason();
			}
			if (chunk.usage() != null) {
				this.usage = chunk.usage();
			}
			if (!chunk.text().isEmpty()) {
				this.text.append(chunk.text());
				InternalStreamingChatResponseHandlerUtils.onPartialResponse(handler, chunk.text(), handle);
			}
			for (ToolCall call : chunk.toolCalls()) {
				int index = this.toolCalls.size();
				this.toolCalls.add(call);
				InternalStreamingChatResponseHandlerUtils.onCompleteToolCall(handler,
						new CompleteToolCall(index, LangChain4jMapping.toolExecutionRequest(call)));
			}
		}

		ChatResponse response() {
			return ChatResponse.builder()
				.aiMessage(LangChain4jMapping.aiMessage(this.text.toString(), this.toolCalls))
				.metadata(LlmChatResponseMetadata.builder()
					.modelName(this.model)
					.tokenUsage(LangChain4jMapping.tokenUsage(this.usage))
					.finishReason(LangChain4jMapping.finishReason(this.finishReason))
					.policy(this.policy)
					.build())
				.build();
		}

	}

}
