package io.github.llmresilience.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The TCP connections to the server, read from Linux's {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}, to count the connections a client opened: a connection is named
 * by its client's ephemeral port, and stays listed for a minute after it closed (in
 * {@code TIME_WAIT} on the side that closed it first).
 */
final class Sockets {

	private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

	private Sockets() {
	}

	/**
	 * Return the ephemeral ports of every connection to a server port, in any state.
	 * @param serverPort the server's port
	 * @return the ports, or {@code null} where {@code /proc/net/tcp} cannot be read
	 */
	static @Nullable Set<Integer> connections(int serverPort) {
		Set<Integer> ports = new HashSet<>();
		boolean read = false;
		for (Path table : TABLES) {
			if (!Files.isReadable(table)) {
				continue;
			}
			try {
				for (String line : Files.readAllLines(table)) {
					String[] fields = line.trim().split("\\s+");
					if (fields.length < 4 || !fields[1].contains(":")) {
						continue;
					}
					int local = port(fields[1]);
					int remote = port(fields[2]);
					if (local == serverPort && remote != 0) {
						ports.add(remote);
					}
					else if (remote == serverPort) {
						ports.add(local);
					}
				}
				read = true;
			}
			catch (IOException | NumberFormatException ex) {
				return null;
			}
		}
		return read ? ports : null;
	}

	/**
	 * Count the connections that appear in {@code after} and not in {@code before}.
	 * @return the count, or -1 where either is unknown
	 */
	static long opened(@Nullable Set<Integer> before, @Nullable Set<Integer> after) {
		if (before == null || after == null) {
			return -1;
		}
		return after.stream().filter((port) -> !before.contains(port)).count();
	}

	private static int port(String address) {
		return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1), 16);
	}

}
