package io.github.llmresilience.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.core.publisher.BaseSubscriber;

import io.github.llmresilience.LlmException;

/**
 * A subscriber that records what it was given, in order, for the tests of the starter's
 * own operators: each element, {@code complete}, and a failure by its kind (an
 * {@link LlmException}) or as itself.
 */
public final class RecordedSignals extends BaseSubscriber<String> {

	private final List<String> seen = new CopyOnWriteArrayList<>();

	private final boolean elementEnds;

	private RecordedSignals(boolean elementEnds) {
		this.elementEnds = elementEnds;
	}

	/**
	 * Return a subscriber that records signals.
	 * @return the subscriber
	 */
	public static RecordedSignals create() {
		return new RecordedSignals(false);
	}

	/**
	 * Return a subscriber that also records the end of its handling of an element
	 * ({@code /} and the element), after a pause long enough for a signal sent from
	 * another thread during that handling to show between the two.
	 * @return the subscriber
	 */
	public static RecordedSignals withElementEnds() {
		return new RecordedSignals(true);
	}

	/**
	 * Return what the subscriber was given, in order.
	 * @return the signals
	 */
	public List<String> seen() {
		return this.seen;
	}

	@Override
	protected void hookOnNext(String value) {
		this.seen.add(value);
		if (this.elementEnds) {
			for (int i = 0; i < 2_000; i++) {
				Thread.onSpinWait();
			}
			this.seen.add("/" + value);
		}
	}

	@Override
	protected void hookOnComplete() {
		this.seen.add("complete");
	}

	@Override
	protected void hookOnError(Throwable failure) {
		this.seen.add((failure instanceof LlmException llm) ? llm.kind().value() : failure.toString());
	}

}
