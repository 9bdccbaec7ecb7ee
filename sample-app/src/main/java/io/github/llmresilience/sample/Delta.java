package io.github.llmresilience.sample;

/**
 * One event of {@code GET /api/chat/stream}: the text a chunk of the answer adds. Sent as
 * JSON so that leading spaces survive (a plain {@code data:} line loses one).
 *
 * @param text the text
 */
public record Delta(String text) {

}
