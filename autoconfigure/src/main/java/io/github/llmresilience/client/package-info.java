/**
 * The OpenAI-compatible transport: one reactive client per provider, the wire format, and
 * the classification of every failure into a {@link io.github.llmresilience.FailureKind}.
 * Internal.
 */
@NullMarked
package io.github.llmresilience.client;

import org.jspecify.annotations.NullMarked;
