package io.github.llmresilience.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.springframework.core.io.buffer.DataBufferLimitException;

/**
 * Cuts a {@code text/event-stream} into the data of its events, with a bound on the size
 * of one event. It reads bytes that were already copied out of the connection's buffers:
 * Spring's {@code ServerSentEventHttpMessageReader}, when an event exceeds its limit,
 * releases a buffer that Reactor Netty releases again
 * ({@code IllegalReferenceCountException} in the log, the connection closed from the
 * pipeline's tail), so the stream path does not use it.
 * <p>
 * It follows the SSE format: lines end with LF, CR or CRLF; a blank line ends an event;
 * lines that start with a colon are comments; the {@code data} lines of an event are
 * joined with LF; other fields ({@code event}, {@code id}, {@code retry}) are not needed,
 * as every event's data is read the same way, an error event included. Not thread-safe:
 * one instance per stream.
 */
final class SseParser {

	private final int maxEventBytes;

	private final String limitDescription;

	private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

	private final StringBuilder data = new StringBuilder();

	private boolean hasData;

	private long eventBytes;

	private boolean afterCr;

	/**
	 * Create a parser.
	 * @param maxEventBytes the largest event accepted, in bytes
	 * @param limitDescription what the limit is, for the exception message
	 */
	SseParser(int maxEventBytes, String limitDescription) {
		this.maxEventBytes = maxEventBytes;
		this.limitDescription = limitDescription;
	}

	/**
	 * Read the next bytes of the stream.
	 * @param bytes the bytes
	 * @return the data of the events these bytes completed, in order
	 * @throws DataBufferLimitException if the current event is larger than the limit
	 */
	List<String> feed(byte[] bytes) {
		List<String> events = new ArrayList<>(1);
		int start = 0;
		for (int i = 0; i < bytes.length; i++) {
			byte b = bytes[i];
			if (b == '\n' && this.afterCr) {
				// The LF of a CRLF: the line ended at the CR.
				this.afterCr = false;
				start = i + 1;
				continue;
			}
			this.afterCr = false;
			if (b == '\r' || b == '\n') {
				append(bytes, start, i);
				endOfLine(events);
				start = i + 1;
				this.afterCr = b == '\r';
			}
		}
		append(bytes, start, bytes.length);
		return events;
	}

	/**
	 * Return the data of an event the stream ended in without the blank line that should
	 * end it.
	 * @return that data, or none
	 */
	List<String> finish() {
		List<String> events = new ArrayList<>(1);
		if (this.line.size() > 0) {
			endOfLine(events);
		}
		endOfEvent(events);
		return events;
	}

	private void append(byte[] bytes, int from, int to) {
		int length = to - from;
		if (length <= 0) {
			return;
		}
		this.eventBytes += length;
		if (this.eventBytes > this.maxEventBytes) {
			throw new DataBufferLimitException("An event of the stream is larger than " + this.limitDescription);
		}
		this.line.write(bytes, from, length);
	}

	private void endOfLine(List<String> events) {
		if (this.line.size() == 0) {
			endOfEvent(events);
			this.eventBytes = 0;
			return;
		}
		String text = this.line.toString(StandardCharsets.UTF_8);
		this.line.reset();
		if (text.charAt(0) == ':') {
			return;
		}
		int colon = text.indexOf(':');
		String field = (colon < 0) ? text : text.substring(0, colon);
		if (!field.equals("data")) {
			return;
		}
		String value = (colon < 0) ? "" : text.substring(colon + 1);
		if (value.startsWith(" ")) {
			value = value.substring(1);
		}
		if (this.hasData) {
			this.data.append('\n');
		}
		this.data.append(value);
		this.hasData = true;
	}

	/**
	 * End the current event: its data, if it has any, is one more event read.
	 */
	private void endOfEvent(List<String> events) {
		if (this.hasData) {
			events.add(this.data.toString());
			this.data.setLength(0);
			this.hasData = false;
		}
	}

}
