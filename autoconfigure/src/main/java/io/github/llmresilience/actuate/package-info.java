/**
 * The {@code llm} actuator endpoint and health contributor.
 */
@NullMarked
package io.github.llmresilience.actuate;

import org.jspecify.annotations.NullMarked;
