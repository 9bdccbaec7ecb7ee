/**
 * What a target may be sent now: rate-limit snapshots read from the providers' headers,
 * declared request limits, and the retry budget of each provider. Internal.
 */
@NullMarked
package io.github.llmresilience.pacing;

import org.jspecify.annotations.NullMarked;
