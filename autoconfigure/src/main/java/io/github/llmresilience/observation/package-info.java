/**
 * Observations, meters and their conventions.
 */
@NullMarked
package io.github.llmresilience.observation;

import org.jspecify.annotations.NullMarked;
