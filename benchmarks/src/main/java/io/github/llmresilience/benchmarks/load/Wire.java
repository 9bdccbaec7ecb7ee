package io.github.llmresilience.benchmarks.load;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI wire types as a user of a bare HTTP client writes them. A {@link Request} is
 * encoded to the same JSON as the starter's request for one user message.
 */
public final class Wire {

	private Wire() {
	}

	/**
	 * Return the user message that names a logical call, as every client of the harness
	 * sends it.
	 * @param id the call's id
	 * @return the message content
	 */
	public static String content(String id) {
		return "call:" + id;
	}

	/**
	 * Return the request of a logical call: one user message naming it.
	 * @param model the model
	 * @param id the call's id
	 * @return the request
	 */
	public static Request request(String model, String id) {
		return new Request(model, List.of(new Message("user", content(id))));
	}

	/**
	 * A chat completion request.
	 *
	 * @param model the model
	 * @param messages the messages
	 */
	public record Request(String model, List<Message> messages) {

	}

	/**
	 * A message.
	 *
	 * @param role the role
	 * @param content the text
	 */
	@JsonIgnoreProperties(ignoreUnknown = true)
	public record Message(String role, @Nullable String content) {

	}

	/**
	 * A chat completion.
	 *
	 * @param choices the choices
	 */
	@JsonIgnoreProperties(ignoreUnknown = true)
	public record Completion(List<Choice> choices) {

		/**
		 * Return the text of the first choice.
		 * @return the text, or {@code null}
		 */
		public @Nullable String content() {
			return this.choices.isEmpty() ? null : this.choices.get(0).message().content();
		}

	}

	/**
	 * A choice.
	 *
	 * @param message the message
	 * @param finishReason why generation stopped
	 */
	@JsonIgnoreProperties(ignoreUnknown = true)
	public record Choice(Message message, @JsonProperty("finish_reason") @Nullable String finishReason) {

	}

}
