package io.github.llmresilience.execution;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.Served;
import io.github.llmresilience.policy.Target;

/**
 * One attempt of a logical call: the target chosen for it. It travels in the Reactor context of the
 * attempt and, for blocking and {@code CompletionStage} methods, on the thread, so that every
 * {@code LlmClient} call inside an {@code @LlmCall} method makes exactly one request to this target.
 */
public final class AttemptScope {

	private static final ThreadLocal<@Nullable Object> CURRENT = new ThreadLocal<>();

	/**
	 * Marks a thread that is assembling the publisher of a reactive {@code @LlmCall} method: the
	 * target is not chosen yet, and {@code LlmClient} reads it from the Reactor context at
	 * subscription.
	 */
	public static final Object ASSEMBLING = new Object() {

		@Override
		public String toString() {
			return "assembling an @LlmCall publisher";
		}

	};

	static final Class<AttemptScope> KEY = AttemptScope.class;

	private final CallState call;

	private final Target target;

	private final int targetIndex;

	private final int attempt;

	AttemptScope(CallState call, Target target, int targetIndex, int attempt) {
		this.call = call;
		this.target = target;
		this.targetIndex = targetIndex;
		this.attempt = attempt;
	}

	/**
	 * Return the logical call.
	 * @return the call
	 */
	public CallState call() {
		return this.call;
	}

	/**
	 * Return the attempt's target.
	 * @return the target
	 */
	public Target target() {
		return this.target;
	}

	/**
	 * Return the position of the target in the policy: 0 for the primary.
	 * @return the target's index
	 */
	public int targetIndex() {
		return this.targetIndex;
	}

	/**
	 * Return the number of this attempt on its target, from 1.
	 * @return the attempt number
	 */
	public int attempt() {
		return this.attempt;
	}

	/**
	 * Describe this attempt's target as the one that serves the call, with the attempts sent so
	 * far.
	 * @return the serving target
	 */
	public Served served() {
		return new Served(this.target.provider(), this.target.model(), this.call.attempts(), this.targetIndex > 0);
	}

	/**
	 * Return what is bound to the current thread: an {@link AttemptScope}, {@link #ASSEMBLING},
	 * or {@code null}.
	 * @return the bound scope
	 */
	public static @Nullable Object current() {
		return CURRENT.get();
	}

	/**
	 * Bind a scope (or {@link #ASSEMBLING}) to the current thread.
	 * @param scope the scope
	 * @return what was bound before, to be passed to {@link #restore(Object)}
	 */
	public static @Nullable Object bind(@Nullable Object scope) {
		Object previous = CURRENT.get();
		CURRENT.set(scope);
		return previous;
	}

	/**
	 * Restore what was bound before {@link #bind(Object)}.
	 * @param previous the previous scope
	 */
	public static void restore(@Nullable Object previous) {
		if (previous == null) {
			CURRENT.remove();
		}
		else {
			CURRENT.set(previous);
		}
	}

	/**
	 * Return the Reactor context key under which the attempt's scope travels.
	 * @return the key
	 */
	public static Object contextKey() {
		return KEY;
	}

	@Override
	public String toString() {
		return "AttemptScope[policy=" + this.call.policy().name() + ", target=" + this.target + ", attempt="
				+ this.attempt + "]";
	}

}
