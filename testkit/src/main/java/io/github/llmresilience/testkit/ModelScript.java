package io.github.llmresilience.testkit;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The script of one model on a {@link FakeLlmServer}: the responses queued for the next
 * requests, then a default for every request after them.
 * <p>
 * Each request whose JSON body names the model takes the next queued response; once the
 * queue is empty the default answers, initially {@code ok("Hello from <model>")} (or the
 * server's {@link FakeLlmServer#defaultResponder(Function) default responder}). A script
 * is safe to change from the test thread while requests arrive on the server's threads.
 * <pre class="code">
 * server.model("gpt-4o")
 * 	.enqueue(FakeResponse.status(503), FakeResponse.reset())
 * 	.thenAlways(FakeResponse.ok("Recovered"));
 * </pre>
 */
public final class ModelScript {

	private final String model;

	private final Queue<FakeResponse> queue = new ConcurrentLinkedQueue<>();

	private volatile @Nullable Function<RecordedRequest, FakeResponse> responder;

	ModelScript(String model) {
		this.model = model;
	}

	/**
	 * Return the model this script answers for.
	 * @return the model name
	 */
	public String model() {
		return this.model;
	}

	/**
	 * Queue responses for the next requests, one per request in the given order, after
	 * any responses already queued.
	 * @param responses the responses to queue
	 * @return this script, to chain calls
	 */
	public ModelScript enqueue(FakeResponse... responses) {
		Objects.requireNonNull(responses, "'responses' must not be null");
		for (FakeResponse response : responses) {
			this.queue.add(Objects.requireNonNull(response, "'responses' must not contain null"));
		}
		return this;
	}

	/**
	 * Answer with this response once the queue is empty, replacing any previous default.
	 * @param response the default response
	 * @return this script, to chain calls
	 */
	public ModelScript thenAlways(FakeResponse response) {
		Objects.requireNonNull(response, "'response' must not be null");
		this.responder = (request) -> response;
		return this;
	}

	/**
	 * Compute the answer per request once the queue is empty, replacing any previous
	 * default: for example a seeded random mix of faults, or an answer that echoes the
	 * request. The function runs on a server event loop: it must be fast and must not
	 * block.
	 * @param responder the function from the recorded request to its response
	 * @return this script, to chain calls
	 */
	public ModelScript respondWith(Function<RecordedRequest, FakeResponse> responder) {
		Objects.requireNonNull(responder, "'responder' must not be null");
		this.responder = responder;
		return this;
	}

	/**
	 * Return how many queued responses have not been used yet.
	 * @return the number of queued responses
	 */
	public int remaining() {
		return this.queue.size();
	}

	/**
	 * Take the response for a request: the next queued one, else the script's default,
	 * else the server's default.
	 */
	FakeResponse next(RecordedRequest request, Function<RecordedRequest, FakeResponse> serverDefault) {
		FakeResponse queued = this.queue.poll();
		if (queued != null) {
			return queued;
		}
		Function<RecordedRequest, FakeResponse> responder = this.responder;
		FakeResponse response = (responder != null) ? responder.apply(request) : serverDefault.apply(request);
		return Objects.requireNonNull(response, () -> "The responder of model '" + this.model + "' returned null");
	}

	@Override
	public String toString() {
		return "ModelScript[" + this.model + ", " + this.queue.size() + " queued]";
	}

}
