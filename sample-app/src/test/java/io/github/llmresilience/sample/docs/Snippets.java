package io.github.llmresilience.sample.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds a documentation snippet in a source file. The snippet must be a run of
 * consecutive lines of the file, word for word; only the indentation may differ: the
 * file's leading tabs count as four spaces, and the snippet may leave out indentation
 * that all its lines share.
 */
final class Snippets {

	private Snippets() {
	}

	static boolean contains(List<String> source, List<String> snippet) {
		List<String> wanted = trim(snippet);
		if (wanted.isEmpty()) {
			return false;
		}
		List<String> lines = source.stream().map(Snippets::normalize).toList();
		for (int start = 0; start + wanted.size() <= lines.size(); start++) {
			if (matchesAt(lines, start, wanted)) {
				return true;
			}
		}
		return false;
	}

	private static boolean matchesAt(List<String> lines, int start, List<String> wanted) {
		String indent = null;
		for (int i = 0; i < wanted.size(); i++) {
			String line = lines.get(start + i);
			String expected = wanted.get(i);
			if (expected.isEmpty()) {
				if (!line.isEmpty()) {
					return false;
				}
				continue;
			}
			if (!line.endsWith(expected)) {
				return false;
			}
			String prefix = line.substring(0, line.length() - expected.length());
			if (!prefix.isBlank() || (indent != null && !indent.equals(prefix))) {
				return false;
			}
			indent = prefix;
		}
		return true;
	}

	private static String normalize(String line) {
		int tabs = 0;
		while (tabs < line.length() && line.charAt(tabs) == '\t') {
			tabs++;
		}
		return ("    ".repeat(tabs) + line.substring(tabs)).stripTrailing();
	}

	private static List<String> trim(List<String> snippet) {
		List<String> lines = new ArrayList<>(snippet.stream().map(String::stripTrailing).toList());
		while (!lines.isEmpty() && lines.get(0).isEmpty()) {
			lines.remove(0);
		}
		while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
			lines.remove(lines.size() - 1);
		}
		return lines;
	}

}
