package io.github.llmresilience.benchmarks.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The harness's {@code --name=value} options, with their defaults.
 */
final class Options {

	/**
	 * Every option, its default and what it means, in the order {@code --help} prints
	 * them: the table {@code options.tsv} beside this class.
	 */
	static final Map<String, String[]> KNOWN = load("options.tsv");

	private static Map<String, String[]> load(String table) {
		Map<String, String[]> known = new LinkedHashMap<>();
		try (InputStream in = Options.class.getResourceAsStream(table)) {
			if (in == null) {
				throw new IllegalStateException("No " + table + " beside " + Options.class.getName());
			}
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (line.isBlank() || line.startsWith("#")) {
					continue;
				}
				String[] cells = line.split("\t", -1);
				if (cells.length != 3) {
					throw new IllegalStateException("Expected name, default and description in " + table + ": " + line);
				}
				known.put(cells[0],
						new String[] { cells[1].replace("{peer-keys}", String.join(",", Peer.KEYS)), cells[2] });
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return known;
	}

	private final Map<String, String> values = new LinkedHashMap<>();

	private Options() {
		KNOWN.forEach((name, option) -> this.values.put(name, option[0]));
	}

	/**
	 * Parse arguments.
	 * @param args {@code --name=value} pairs
	 * @return the options
	 * @throws IllegalArgumentException for an unknown option
	 */
	static Options parse(String... args) {
		Options options = new Options();
		for (String arg : args) {
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--") || equals < 0) {
				throw new IllegalArgumentException("Expected --name=value, got " + arg);
			}
			String name = arg.substring(2, equals);
			if (!KNOWN.containsKey(name)) {
				throw new IllegalArgumentException("Unknown option --" + name + " (see --help)");
			}
			options.values.put(name, arg.substring(equals + 1));
		}
		return options;
	}

	static String help() {
		StringBuilder help = new StringBuilder("Options (--name=value):\n");
		KNOWN.forEach((name, option) -> help
			.append(String.format("  --%-26s %s (default %s)%n", name, option[1], option[0])));
		return help.toString();
	}

	int integer(String name) {
		return Integer.parseInt(string(name));
	}

	long longValue(String name) {
		return Long.parseLong(string(name));
	}

	double decimal(String name) {
		return Double.parseDouble(string(name));
	}

	String string(String name) {
		String value = this.values.get(name);
		if (value == null) {
			throw new IllegalArgumentException("No option " + name);
		}
		return value;
	}

	List<String> list(String name) {
		String value = string(name).trim();
		return value.isEmpty() ? List.of() : List.of(value.split(","));
	}

	Set<String> scenarios() {
		return new TreeSet<>(list("scenarios"));
	}

	@Override
	public String toString() {
		StringBuilder line = new StringBuilder();
		this.values.forEach((name,
				value) -> line.append(line.isEmpty() ? "" : " ").append("--").append(name).append('=').append(value));
		return line.toString();
	}

}
