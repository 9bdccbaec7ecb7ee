package io.github.llmresilience.support;

import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.ChatRequest;

/**
 * What a chat model adapter (Spring AI's or LangChain4j's {@code ChatModel}) does with
 * its framework's options: each one that is set goes into the request under the name the
 * chat completions API gives it.
 */
public final class ChatParameters {

	private ChatParameters() {
	}

	/**
	 * Put the sampling options that are set into the request.
	 * @param request the request being built
	 * @param temperature the temperature
	 * @param maxTokens the most tokens of the answer
	 * @param topP the nucleus sampling share ({@code top_p})
	 * @param stop the sequences that end the answer; none when empty
	 * @param frequencyPenalty the {@code frequency_penalty}
	 * @param presencePenalty the {@code presence_penalty}
	 */
	public static void putSampling(ChatRequest.Builder request, @Nullable Double temperature,
			@Nullable Integer maxTokens, @Nullable Double topP, @Nullable List<String> stop,
			@Nullable Double frequencyPenalty, @Nullable Double presencePenalty) {
		request.temperature(temperature).maxTokens(maxTokens);
		putIfSet(request, "top_p", topP);
		if (stop != null && !stop.isEmpty()) {
			request.param("stop", stop);
		}
		putIfSet(request, "frequency_penalty", frequencyPenalty);
		putIfSet(request, "presence_penalty", presencePenalty);
	}

	/**
	 * Put a parameter into the request if it is set.
	 * @param request the request being built
	 * @param name the parameter's name in the chat completions API
	 * @param value its value, or {@code null} to leave it out
	 */
	public static void putIfSet(ChatRequest.Builder request, String name, @Nullable Object value) {
		if (value != null) {
			request.param(name, value);
		}
	}

}
