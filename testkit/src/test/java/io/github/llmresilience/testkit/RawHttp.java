package io.github.llmresilience.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * HTTP/1.1 over a raw {@link Socket}, to see what travels on the wire: how many reads the
 * bytes took, and how the connection ended.
 */
final class RawHttp implements AutoCloseable {

	private final Socket socket;

	private final ByteArrayOutputStream received = new ByteArrayOutputStream();

	private final List<Integer> reads = new ArrayList<>();

	private Ending ending = Ending.OPEN;

	RawHttp(int port) throws IOException {
		this.socket = new Socket("127.0.0.1", port);
		this.socket.setTcpNoDelay(true);
	}

	RawHttp post(String path, String body, boolean keepAlive) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
				+ "Content-Length: " + bytes.length + "\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
		OutputStream out = this.socket.getOutputStream();
		out.write(head.getBytes(StandardCharsets.US_ASCII));
		out.write(bytes);
		out.flush();
		return this;
	}

	/**
	 * Read until the server closes or resets the connection, or until nothing arrives for
	 * {@code quiet}.
	 */
	RawHttp readUntilEnd(Duration quiet) throws IOException {
		return readUntil(null, quiet);
	}

	/**
	 * Read until the received bytes contain {@code marker} (or the connection ends or
	 * stays quiet for {@code quiet}).
	 */
	RawHttp readUntil(String marker, Duration quiet) throws IOException {
		this.socket.setSoTimeout((int) quiet.toMillis());
		InputStream in = this.socket.getInputStream();
		byte[] buffer = new byte[64 * 1024];
		while (marker == null || !(text().contains(marker) || body().contains(marker))) {
			int count;
			try {
				count = in.read(buffer);
			}
			catch (SocketTimeoutException ex) {
				this.ending = Ending.QUIET;
				return this;
			}
			catch (SocketException ex) {
				this.ending = Ending.RESET;
				return this;
			}
			if (count < 0) {
				this.ending = Ending.EOF;
				return this;
			}
			this.reads.add(count);
			this.received.write(buffer, 0, count);
		}
		return this;
	}

	String text() {
		return this.received.toString(StandardCharsets.UTF_8);
	}

	String head() {
		String text = text();
		int end = text.indexOf("\r\n\r\n");
		return (end < 0) ? text : text.substring(0, end);
	}

	/**
	 * The body after the head, decoded from the chunked transfer coding when used; a
	 * truncated last chunk is kept as far as it went.
	 */
	String body() {
		return body(text());
	}

	/**
	 * The body as it stood after each read, to see where reads cut the stream.
	 */
	List<String> bodyAfterEachRead() {
		byte[] all = this.received.toByteArray();
		List<String> bodies = new ArrayList<>();
		int end = 0;
		for (int count : this.reads) {
			end += count;
			bodies.add(body(new String(all, 0, end, StandardCharsets.UTF_8)));
		}
		return bodies;
	}

	private static String body(String text) {
		int start = text.indexOf("\r\n\r\n");
		if (start < 0) {
			return "";
		}
		byte[] raw = text.substring(start + 4).getBytes(StandardCharsets.UTF_8);
		if (!text.substring(0, start).toLowerCase().contains("transfer-encoding: chunked")) {
			return new String(raw, StandardCharsets.UTF_8);
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		dechunk(raw).forEach(body::writeBytes);
		return body.toString(StandardCharsets.UTF_8);
	}

	/**
	 * The data of each chunk of a body in the chunked transfer coding, without the final
	 * empty chunk; a chunk cut short by the end of what was read keeps what arrived.
	 */
	private static List<byte[]> dechunk(byte[] raw) {
		List<byte[]> chunks = new ArrayList<>();
		int position = 0;
		while (position < raw.length) {
			int lineEnd = indexOf(raw, position);
			if (lineEnd < 0) {
				break;
			}
			int size = Integer.parseInt(new String(raw, position, lineEnd - position, StandardCharsets.US_ASCII).trim(),
					16);
			if (size == 0) {
				break;
			}
			int dataStart = lineEnd + 2;
			chunks.add(Arrays.copyOfRange(raw, dataStart, dataStart + Math.min(size, raw.length - dataStart)));
			position = dataStart + size + 2;
		}
		return chunks;
	}

	/**
	 * The data of each chunk of a body in the chunked transfer coding, in order, without
	 * the final empty chunk. The server writes a chunk for each buffer it sends, so this
	 * shows how it cut the body, whatever the reads made of it.
	 */
	List<String> chunks() {
		String text = text();
		int start = text.indexOf("\r\n\r\n");
		if (start < 0 || !text.substring(0, start).toLowerCase().contains("transfer-encoding: chunked")) {
			throw new IllegalStateException("Not a chunked response: " + head());
		}
		byte[] raw = text.substring(start + 4).getBytes(StandardCharsets.UTF_8);
		return dechunk(raw).stream().map((chunk) -> new String(chunk, StandardCharsets.UTF_8)).toList();
	}

	List<Integer> reads() {
		return this.reads;
	}

	Ending ending() {
		return this.ending;
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	private static int indexOf(byte[] bytes, int from) {
		for (int i = from; i < bytes.length - 1; i++) {
			if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
				return i;
			}
		}
		return -1;
	}

	/**
	 * How reading ended.
	 */
	enum Ending {

		/** Still reading, or stopped at the marker. */
		OPEN,
		/** Nothing arrived for the quiet time: the connection stays open. */
		QUIET,
		/** The server closed the connection gracefully. */
		EOF,
		/** The server reset the connection. */
		RESET

	}

}
