package io.github.llmresilience.execution;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.Served;
import io.github.llmresilience.policy.Target;

/**
 * One attempt of a logical call: the target chosen for it. It travels in the Reactor
 * context of the attempt and, for blocking and {@code CompletionStage} methods, on the
 * thread, so that every {@code LlmClient} call inside an {@code @LlmCall} method makes
 * exactly one request to this target.
 *
 * @param call the logical call
 * @param target the attempt's target
 * @param targetIndex the position of the target in the policy: 0 for the primary
 * @param attempt the number of this attempt on its target, from 1
 * @param hedge whether this attempt belongs to a hedge: the try sent while an attempt of
 * the call was slow to answer
 * @param targetStart when the target's first attempt started, from which its
 * {@code max-elapsed} counts, or {@code null} if not known
 */
public record AttemptScope(CallState call, Target target, int targetIndex, int attempt, boolean hedge,
		@Nullable Instant targetStart) {

	private static final ThreadLocal<@Nullable Binding> CURRENT = new ThreadLocal<>();

	static final Class<AttemptScope> KEY = AttemptScope.class;

	AttemptScope(CallState call, Target target, int targetIndex, int attempt) {
		this(call, target, targetIndex, attempt, null);
	}

	AttemptScope(CallState call, Target target, int targetIndex, int attempt, @Nullable Instant targetStart) {
		this(call, target, targetIndex, attempt, false, targetStart);
	}

	/**
	 * Return the same attempt as part of a hedge.
	 * @return the hedge's scope
	 */
	AttemptScope asHedge() {
		return new AttemptScope(this.call, this.target, this.targetIndex, this.attempt, true, this.targetStart);
	}

	/**
	 * Describe this attempt's target as the one that serves the call, with the attempts
	 * sent so far.
	 * @return the serving target
	 */
	public Served served() {
		return new Served(this.target.provider(), this.target.model(), this.call.attempts(), this.targetIndex > 0,
				this.hedge);
	}

	/**
	 * Run code with this scope bound to the current thread, for code that calls
	 * {@code LlmClient} without a Reactor context: a blocking or {@code CompletionStage}
	 * method, or a publisher being subscribed to.
	 * @param <T> the result type
	 * @param body the code
	 * @return what the code returned
	 * @throws Throwable what the code threw
	 */
	public <T> @Nullable T callWithin(Body<T> body) throws Throwable {
		return new Binding(this).callWithin(body);
	}

	/**
	 * Run code that assembles the publisher of a reactive {@code @LlmCall} method: the
	 * target is not chosen yet, so {@code LlmClient} reads it from the Reactor context at
	 * subscription, and a nested {@code @LlmCall} knows it joins an outer call.
	 * @param <T> the result type
	 * @param body the code
	 * @return what the code returned
	 * @throws Throwable what the code threw
	 */
	public static <T> @Nullable T assembling(Body<T> body) throws Throwable {
		return Binding.ASSEMBLING.callWithin(body);
	}

	/**
	 * Return what is bound to the current thread.
	 * @return the binding, or {@code null} if the thread is not inside an
	 * {@code @LlmCall} method
	 */
	public static @Nullable Binding current() {
		return CURRENT.get();
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
				+ this.attempt + (this.hedge ? ", hedge" : "") + "]";
	}

	/**
	 * What a thread inside an {@code @LlmCall} method is bound to: an attempt's scope, or
	 * the assembly of a reactive method's publisher, whose attempts have not started yet.
	 */
	public static final class Binding {

		static final Binding ASSEMBLING = new Binding(null);

		private final @Nullable AttemptScope scope;

		private Binding(@Nullable AttemptScope scope) {
			this.scope = scope;
		}

		/**
		 * Return the bound attempt's scope.
		 * @return the scope, or {@code null} while a reactive method's publisher is
		 * assembled
		 */
		public @Nullable AttemptScope scope() {
			return this.scope;
		}

		/**
		 * Return the policy of the call this binding belongs to.
		 * @return the policy's name, or {@code null} while a reactive method's publisher
		 * is assembled
		 */
		public @Nullable String policy() {
			return (this.scope != null) ? this.scope.call().policy().name() : null;
		}

		<T> @Nullable T callWithin(Body<T> body) throws Throwable {
			Binding previous = CURRENT.get();
			CURRENT.set(this);
			try {
				return body.call();
			}
			finally {
				if (previous == null) {
					CURRENT.remove();
				}
				else {
					CURRENT.set(previous);
				}
			}
		}

		@Override
		public String toString() {
			return (this.scope != null) ? this.scope.toString() : "assembling an @LlmCall publisher";
		}

	}

	/**
	 * Code run with a binding.
	 *
	 * @param <T> the result type
	 */
	@FunctionalInterface
	public interface Body<T> {

		/**
		 * Run the code.
		 * @return the result
		 * @throws Throwable anything the code throws
		 */
		@Nullable T call() throws Throwable;

	}

}
