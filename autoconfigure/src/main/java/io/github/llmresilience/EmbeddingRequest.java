package io.github.llmresilience;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A request for the embeddings of some texts, sent with
 * {@link LlmClient#embed(EmbeddingRequest)} to {@code {base-url}/embeddings}.
 *
 * <p>
 * Instances are immutable: {@link #of(List)} checks the inputs once, and
 * {@link #user(String)} returns a copy. The model and the number of dimensions are not
 * part of the request: they come from the target that serves it
 * ({@code llm.policies.<name>.model} and {@code dimensions}), so that every vector of one
 * policy comes from the same model.
 */
public final class EmbeddingRequest {

	private final List<String> inputs;

	private final @Nullable String user;

	private EmbeddingRequest(List<String> inputs, @Nullable String user) {
		this.inputs = inputs;
		this.user = user;
	}

	/**
	 * Create a request for the embeddings of some texts.
	 * @param inputs the texts, in the order their vectors are returned
	 * @return the request
	 * @throws IllegalArgumentException if there is no input, or an input is empty: a
	 * provider refuses both
	 */
	public static EmbeddingRequest of(String... inputs) {
		Objects.requireNonNull(inputs, "'inputs' must not be null");
		return of(List.of(inputs));
	}

	/**
	 * Create a request for the embeddings of some texts.
	 * @param inputs the texts, in the order their vectors are returned
	 * @return the request
	 * @throws IllegalArgumentException if there is no input, or an input is null or
	 * empty: a provider refuses both
	 */
	public static EmbeddingRequest of(List<String> inputs) {
		Objects.requireNonNull(inputs, "'inputs' must not be null");
		if (inputs.isEmpty()) {
			throw new IllegalArgumentException("An embedding request needs at least one input");
		}
		List<String> copy = new ArrayList<>(inputs.size());
		for (int i = 0; i < inputs.size(); i++) {
			String input = inputs.get(i);
			if (input == null || input.isEmpty()) {
				throw new IllegalArgumentException("Input " + i + " of the embedding request is "
						+ ((input == null) ? "null" : "empty") + ": providers refuse empty inputs, so leave it out");
			}
			copy.add(input);
		}
		return new EmbeddingRequest(Collections.unmodifiableList(copy), null);
	}

	/**
	 * Return a copy that names the end user, sent as OpenAI's {@code user} field (for the
	 * provider's abuse monitoring).
	 * @param user an identifier of the end user, or {@code null} for none
	 * @return the copy
	 */
	public EmbeddingRequest user(@Nullable String user) {
		return new EmbeddingRequest(this.inputs, user);
	}

	/**
	 * Return the texts to embed.
	 * @return the inputs, unmodifiable, in order
	 */
	public List<String> inputs() {
		return this.inputs;
	}

	/**
	 * Return the end user's identifier.
	 * @return the identifier, or {@code null}
	 */
	public @Nullable String user() {
		return this.user;
	}

	/**
	 * Return a request for some of this request's inputs, with the same user.
	 * @param from the index of the first input, inclusive
	 * @param to the index of the last input, exclusive
	 * @return the request
	 */
	public EmbeddingRequest slice(int from, int to) {
		if (from == 0 && to == this.inputs.size()) {
			return this;
		}
		return new EmbeddingRequest(this.inputs.subList(from, to), this.user);
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (other instanceof EmbeddingRequest that) && this.inputs.equals(that.inputs)
				&& Objects.equals(this.user, that.user);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.inputs, this.user);
	}

	@Override
	public String toString() {
		// Never print the inputs: they are user data and must not end up in logs.
		return "EmbeddingRequest[inputs=" + this.inputs.size() + "]";
	}

}
