package io.github.llmresilience;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a method under an LLM policy: each attempt of the method gets a target (provider
 * and model) of the policy, and every {@link LlmClient} call inside the method goes to
 * that target. Failed attempts are retried and fall back as the policy says; when the
 * policy gives up, the {@link #fallbackMethod() fallback method} may answer instead.
 *
 * <p>
 * Supported return types: {@code Mono} and {@code Flux} (re-subscribed once per attempt),
 * {@code CompletionStage} and any other type (the method is invoked again per attempt;
 * blocking waits hold the calling thread). Only what the returned publisher does is
 * repeated on a reactive method; work done before it returns runs once.
 *
 * <p>
 * The annotation works through a Spring (CGLIB) proxy: it must sit on a method that is
 * not private, final or static (public, protected or package-private) of a Spring bean,
 * and a call from the bean to itself bypasses it.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LlmCall {

	/**
	 * The name of the policy under {@code llm.policies}; empty for {@code default}.
	 * @return the policy name
	 */
	String policy() default "";

	/**
	 * The name of a method of the same bean that answers when the policy gives up with a
	 * failure kind listed in its {@code fallback-on}, or when its deadline passes. It
	 * takes the same parameters plus a trailing {@code Throwable} (or a subtype) and
	 * returns the same type. Empty for none.
	 * @return the fallback method name
	 */
	String fallbackMethod() default "";

	/**
	 * Whether repeating the call is harmless. When {@code false}, a failure after a
	 * request was written (a timeout, a reset, a premature close) is neither retried nor
	 * sent to a fallback.
	 * @return whether the call is idempotent
	 */
	boolean idempotent() default true;

	/**
	 * How urgent the method's requests are, when they share a provider's concurrency cap
	 * ({@code max-connections}) with other calls: {@link Priority#BATCH} for background
	 * work, whose requests hold at most the provider's {@code batch-share} of its
	 * connections and queue for the rest. A request that sets its own
	 * {@link ChatRequest.Builder#priority(Priority) priority} keeps it.
	 * @return the priority of the method's requests
	 */
	Priority priority() default Priority.INTERACTIVE;

}
