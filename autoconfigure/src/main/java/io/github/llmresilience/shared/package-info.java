/**
 * State shared by the instances of an application through Redis
 * ({@code llm.shared-state}): the cooldowns that servers name, published and applied by
 * every instance, and declared request limits held as one token bucket for the fleet.
 * Internal.
 */
@NullMarked
package io.github.llmresilience.shared;

import org.jspecify.annotations.NullMarked;
