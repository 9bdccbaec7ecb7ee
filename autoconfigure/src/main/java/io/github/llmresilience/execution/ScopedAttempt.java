package io.github.llmresilience.execution;

import java.util.function.Function;

import org.reactivestreams.Publisher;

/**
 * An attempt that is given its scope and looks for none in the Reactor context: the
 * {@link io.github.llmresilience.LlmClient}'s own requests. The executor puts the scope
 * in the context of every other attempt, for the {@code LlmClient} calls of an
 * {@code @LlmCall} method to find; an attempt of this kind is spared that context entry,
 * which every layer below it (Reactor Netty's connection included) would copy.
 *
 * @param <T> the element type
 */
@FunctionalInterface
interface ScopedAttempt<T> extends Function<AttemptScope, Publisher<T>> {

}
