/**
 * Small helpers shared by the other packages, so that the API package imports no internal
 * package of a role, and by the Spring AI and LangChain4j modules' models. Internal.
 */
@NullMarked
package io.github.llmresilience.support;

import org.jspecify.annotations.NullMarked;
