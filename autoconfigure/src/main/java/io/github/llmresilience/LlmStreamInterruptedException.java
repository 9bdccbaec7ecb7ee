package io.github.llmresilience;

import java.util.Objects;

/**
 * A stream failed after some of its chunks had already reached the subscriber. It is
 * never retried and never falls back, because that would deliver those chunks twice; the
 * subscriber decides what to do with the partial answer.
 *
 * <p>
 * The {@link #kind() kind} and the other details are those of the {@link #getCause()
 * cause}, the classified failure. The text delivered so far is available from
 * {@link #partialText()} and is never part of the message.
 */
public class LlmStreamInterruptedException extends LlmException {

	/**
	 * The text delivered before the failure.
	 */
	private final String partialText;

	/**
	 * The chunks delivered before the failure.
	 */
	private final int chunksDelivered;

	/**
	 * Create an exception for a stream broken by the given failure.
	 * @param cause the classified failure that broke the stream
	 * @param partialText the text delivered before the failure
	 * @param chunksDelivered the chunks delivered before the failure
	 */
	public LlmStreamInterruptedException(LlmException cause, String partialText, int chunksDelivered) {
		super(cause.toBuilder()
			.description("stream interrupted after " + chunksDelivered + ((chunksDelivered != 1) ? " chunks" : " chunk")
					+ " by " + cause.kind().value())
			.cause(cause));
		this.partialText = Objects.requireNonNull(partialText, "'partialText' must not be null");
		this.chunksDelivered = chunksDelivered;
	}

	private LlmStreamInterruptedException(LlmStreamInterruptedException source, int attempts) {
		super(source.toBuilder().attempts(attempts));
		this.partialText = source.partialText;
		this.chunksDelivered = source.chunksDelivered;
	}

	/**
	 * Return the text that reached the subscriber before the stream broke.
	 * @return the partial text
	 */
	public String partialText() {
		return this.partialText;
	}

	/**
	 * Return the number of chunks that reached the subscriber before the stream broke.
	 * @return the chunks delivered
	 */
	public int chunksDelivered() {
		return this.chunksDelivered;
	}

	@Override
	protected LlmException copy(int attempts) {
		return new LlmStreamInterruptedException(this, attempts);
	}

}
