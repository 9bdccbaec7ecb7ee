package io.github.llmresilience;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The embeddings of a request's inputs: one vector per input, in the order of the inputs.
 *
 * <p>
 * Instances are immutable: the vectors are copied in, and {@link #vectors()} and
 * {@link #vector(int)} return copies.
 */
public final class EmbeddingResponse {

	private final float[][] vectors;

	private final @Nullable Usage usage;

	private final @Nullable String model;

	private final Served served;

	/**
	 * Create a response.
	 * @param vectors one vector per input, in the order of the inputs
	 * @param usage the tokens the provider counted, or {@code null} if it did not say
	 * @param model the model the provider reported, or {@code null}
	 * @param served which target served the request and after how many attempts
	 */
	public EmbeddingResponse(List<float[]> vectors, @Nullable Usage usage, @Nullable String model, Served served) {
		this(copy(vectors), usage, model, served);
	}

	private EmbeddingResponse(float[][] vectors, @Nullable Usage usage, @Nullable String model, Served served) {
		this.vectors = vectors;
		this.usage = usage;
		this.model = model;
		this.served = Objects.requireNonNull(served, "'served' must not be null");
	}

	private static float[][] copy(List<float[]> vectors) {
		Objects.requireNonNull(vectors, "'vectors' must not be null");
		float[][] copy = new float[vectors.size()][];
		for (int i = 0; i < copy.length; i++) {
			copy[i] = Objects.requireNonNull(vectors.get(i), "'vectors' must not contain null").clone();
		}
		return copy;
	}

	/**
	 * Return every vector, in the order of the inputs.
	 * @return copies of the vectors
	 */
	public List<float[]> vectors() {
		List<float[]> vectors = new ArrayList<>(this.vectors.length);
		for (float[] vector : this.vectors) {
			vectors.add(vector.clone());
		}
		return vectors;
	}

	/**
	 * Return the vector of one input.
	 * @param index the index of the input in the request
	 * @return a copy of its vector
	 */
	public float[] vector(int index) {
		return this.vectors[index].clone();
	}

	/**
	 * Return how many vectors there are: as many as the request had inputs.
	 * @return the number of vectors
	 */
	public int size() {
		return this.vectors.length;
	}

	/**
	 * Return the number of dimensions of the vectors.
	 * @return the length of the first vector, or 0 without any
	 */
	public int dimensions() {
		return (this.vectors.length > 0) ? this.vectors[0].length : 0;
	}

	/**
	 * Return the tokens the provider counted for the inputs
	 * ({@link Usage#promptTokens()}; an embedding has no completion tokens).
	 * @return the usage, or {@code null} if the provider did not report it
	 */
	public @Nullable Usage usage() {
		return this.usage;
	}

	/**
	 * Return the model the provider reported.
	 * @return the model, or {@code null}
	 */
	public @Nullable String model() {
		return this.model;
	}

	/**
	 * Return which target served the request, after how many attempts, and whether a
	 * fallback or a hedge did. For a request split into batches, the facts of its first
	 * batch, with the attempts of every batch.
	 * @return the served facts
	 */
	public Served served() {
		return this.served;
	}

	/**
	 * Return a copy with other served facts.
	 * @param served the served facts
	 * @return the copy
	 */
	public EmbeddingResponse withServed(Served served) {
		return new EmbeddingResponse(this.vectors, this.usage, this.model, served);
	}

	/**
	 * Join the responses of consecutive batches of one request into one response: the
	 * vectors in order, the usage added up, the first batch's model and served facts with
	 * the attempts of every batch.
	 * @param batches the responses, in the order of the batches
	 * @return the joined response
	 */
	public static EmbeddingResponse join(List<EmbeddingResponse> batches) {
		if (batches.size() == 1) {
			return batches.get(0);
		}
		int count = 0;
		for (EmbeddingResponse batch : batches) {
			count += batch.vectors.length;
		}
		float[][] vectors = new float[count][];
		int next = 0;
		long prompt = 0;
		long total = 0;
		boolean usage = false;
		int attempts = 0;
		boolean fallback = false;
		boolean hedge = false;
		for (EmbeddingResponse batch : batches) {
			System.arraycopy(batch.vectors, 0, vectors, next, batch.vectors.length);
			next += batch.vectors.length;
			if (batch.usage != null) {
				usage = true;
				prompt += batch.usage.promptTokens();
				total += batch.usage.totalTokens();
			}
			attempts += batch.served.attempts();
			fallback |= batch.served.fallback();
			hedge |= batch.served.hedge();
		}
		EmbeddingResponse first = batches.get(0);
		Served served = new Served(first.served.provider(), first.served.model(), attempts, fallback, hedge);
		return new EmbeddingResponse(vectors, usage ? new Usage(prompt, 0, total) : null, first.model, served);
	}

	@Override
	public String toString() {
		return "EmbeddingResponse[vectors=" + this.vectors.length + ", dimensions="
				+ ((this.vectors.length > 0) ? this.vectors[0].length : 0) + ", usage=" + this.usage + ", model="
				+ this.model + ", served=" + this.served + "]";
	}

}
