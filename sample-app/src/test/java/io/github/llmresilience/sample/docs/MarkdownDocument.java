package io.github.llmresilience.sample.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * A Markdown file of the documentation, read for the parts the documentation tests check:
 * its fenced code blocks (with the {@code <!-- snippet: ... -->} marker before them), its
 * inline code and its links.
 */
record MarkdownDocument(Path path, List<String> lines) {

	/**
	 * The root of the repository, seen from the module's directory where Maven runs the
	 * tests.
	 */
	static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

	/**
	 * The documents this project's documentation tests own: the README and the user
	 * guides. {@code docs/project/benchmarks.md} has tests of its own;
	 * {@code docs/reference/metrics.md} has more ({@code MetricsDocumentationTests}).
	 */
	static final List<String> OWNED = List.of("README.md", "docs/getting-started.md", "docs/reference/configuration.md",
			"docs/reference/behaviour.md", "docs/guides/streaming.md", "docs/guides/testing.md",
			"docs/project/architecture.md", "docs/guides/extending.md", "docs/guides/spring-ai.md",
			"docs/reference/metrics.md", "docs/guides/fleet.md", "docs/guides/embeddings.md",
			"docs/guides/langchain4j.md", "docs/project/building.md", "docs/project/reliability.md");

	private static final Pattern MARKER = Pattern.compile("<!--\\s*snippet:\\s*(\\S+)\\s*-->");

	private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");

	private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

	static List<MarkdownDocument> owned() {
		return OWNED.stream().map((name) -> read(ROOT.resolve(name))).toList();
	}

	static MarkdownDocument read(Path path) {
		try {
			return new MarkdownDocument(path, Files.readAllLines(path));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	String name() {
		return ROOT.relativize(this.path).toString();
	}

	/**
	 * Return the fenced code blocks, each with the marker on the last non-blank line
	 * before it.
	 */
	List<CodeBlock> codeBlocks() {
		List<CodeBlock> blocks = new ArrayList<>();
		String previous = "";
		for (int i = 0; i < this.lines.size(); i++) {
			String line = this.lines.get(i);
			if (line.startsWith("```")) {
				String language = line.substring(3).trim();
				List<String> content = new ArrayList<>();
				int start = i + 1;
				for (i = start; i < this.lines.size() && !this.lines.get(i).startsWith("```"); i++) {
					content.add(this.lines.get(i));
				}
				Matcher marker = MARKER.matcher(previous);
				blocks.add(new CodeBlock(this, start + 1, language, content, marker.find() ? marker.group(1) : null));
				previous = "";
			}
			else if (!line.isBlank()) {
				previous = line;
			}
		}
		return blocks;
	}

	/**
	 * Return the text outside code blocks.
	 */
	List<String> prose() {
		List<String> prose = new ArrayList<>();
		boolean inBlock = false;
		for (String line : this.lines) {
			if (line.startsWith("```")) {
				inBlock = !inBlock;
			}
			else if (!inBlock) {
				prose.add(line);
			}
		}
		return prose;
	}

	List<String> inlineCode() {
		return inProse(INLINE_CODE);
	}

	List<String> links() {
		return inProse(LINK);
	}

	/**
	 * Return the first group of each match of a pattern in the prose, in order.
	 */
	private List<String> inProse(Pattern pattern) {
		return prose().stream()
			.flatMap((line) -> pattern.matcher(line).results())
			.map((match) -> match.group(1))
			.toList();
	}

	/**
	 * Return the anchors GitHub gives the headings.
	 */
	List<String> anchors() {
		return prose().stream()
			.filter((line) -> line.startsWith("#"))
			.map((line) -> line.replaceFirst("^#+\\s*", "")
				.toLowerCase()
				.replaceAll("[^a-z0-9 _-]", "")
				.trim()
				.replace(' ', '-'))
			.toList();
	}

	/**
	 * A fenced code block.
	 *
	 * @param document the document it is in
	 * @param line the number of its first line of code, from 1
	 * @param language the language after the opening fence
	 * @param content its lines
	 * @param source the marker's value, or {@code null}
	 */
	record CodeBlock(MarkdownDocument document, int line, String language, List<String> content,
			@Nullable String source) {

		@Override
		public String toString() {
			return this.document.name() + ":" + this.line + " (" + this.language + ")";
		}

	}

}
