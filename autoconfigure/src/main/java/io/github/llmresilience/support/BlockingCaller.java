package io.github.llmresilience.support;

import java.util.Objects;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A method of a model adapter (Spring AI's or LangChain4j's {@code ChatModel} and
 * {@code EmbeddingModel}) whose API waits for {@code LlmClient}'s answer. Waiting on a
 * non-blocking thread (a Reactor event loop or parallel worker) would stall every call
 * that thread serves, so such a call fails at once, saying where to call it instead.
 *
 * @param method the method, such as {@code LlmChatModel.call(..)}
 * @param waitsFor what it waits for, such as {@code answer}
 * @param callers what else calls the method, such as {@code ChatClient's call()}
 * @param instead what does not wait, such as {@code stream()}
 */
public record BlockingCaller(String method, String waitsFor, String callers, String instead) {

	/**
	 * Fail on a non-blocking thread.
	 * @throws IllegalStateException on a non-blocking thread
	 */
	public void refuseNonBlockingThread() {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException(
					this.method + " waits for the " + this.waitsFor + ", and was called on the non-blocking thread "
							+ Thread.currentThread().getName() + "; call it (or " + this.callers
							+ ") on Schedulers.boundedElastic() or a virtual thread, or use " + this.instead);
		}
	}

	/**
	 * Wait for the answer of a call of {@code LlmClient}.
	 * @param <T> the type of the answer
	 * @param answer the call
	 * @return the answer
	 */
	public <T> T await(Mono<T> answer) {
		return Objects.requireNonNull(answer.block(), "LlmClient completed without an answer");
	}

}
