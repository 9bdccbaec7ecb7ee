/**
 * The {@code @LlmCall} advisor: bean post-processor, interceptor, start-up checks.
 * Internal.
 */
@NullMarked
package io.github.llmresilience.interceptor;

import org.jspecify.annotations.NullMarked;
