package io.github.llmresilience.sample.docs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code docs/reference/metrics.md}, read for what the tests check: the tables of meters,
 * of the dashboard's panels and of the alerts, and the PromQL examples.
 */
public final class MetricsGuide {

	private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");

	private final MarkdownDocument document;

	private MetricsGuide(MarkdownDocument document) {
		this.document = document;
	}

	public static MetricsGuide read() {
		return new MetricsGuide(MarkdownDocument.read(MarkdownDocument.ROOT.resolve("docs/reference/metrics.md")));
	}

	/**
	 * Return the meters of the tables under the heading "Meters" (llm-resilience's own
	 * and Resilience4j's), in the order of the page.
	 * @return the documented meters
	 */
	public List<DocumentedMeter> meters() {
		List<DocumentedMeter> meters = new ArrayList<>();
		for (List<String> row : tableRows("## Meters")) {
			List<String> name = code(row.get(0));
			if (name.size() == 1 && row.size() >= 3) {
				meters.add(new DocumentedMeter(name.get(0), row.get(1).trim(), code(row.get(2))));
			}
		}
		return meters;
	}

	/**
	 * Return the rows of the table of the dashboard's panels.
	 * @return the rows: row title, panel title, meters
	 */
	public List<DocumentedPanel> panels() {
		return tableRows("### Import the dashboard").stream()
			.map((row) -> new DocumentedPanel(row.get(0).trim(), row.get(1).trim(), code(row.get(2))))
			.toList();
	}

	/**
	 * Return the rows of the table of alerts.
	 * @return the rows: alert name, severity
	 */
	public List<DocumentedAlert> alerts() {
		return tableRows("### Load the alert rules").stream()
			.map((row) -> new DocumentedAlert(row.get(0).trim(), row.get(1).trim()))
			.toList();
	}

	/**
	 * Return the contents of the {@code promql} code blocks.
	 * @return the example queries
	 */
	public List<String> promqlExamples() {
		return this.document.codeBlocks()
			.stream()
			.filter((block) -> block.language().equals("promql"))
			.map((block) -> String.join("\n", block.content()))
			.toList();
	}

	/**
	 * Return the body rows of the tables in the section that starts at a heading and ends
	 * at the next heading of the same or a higher level, each as its cells.
	 */
	private List<List<String>> tableRows(String heading) {
		String level = heading.substring(0, heading.indexOf(' ') + 1);
		List<List<String>> rows = new ArrayList<>();
		boolean inSection = false;
		boolean header = true;
		for (String line : this.document.prose()) {
			if (line.startsWith("#")) {
				if (inSection && (line.startsWith(level) || !line.startsWith(level.trim() + "#"))) {
					break;
				}
				inSection = inSection || line.equals(heading);
				continue;
			}
			if (!inSection) {
				continue;
			}
			if (!line.startsWith("|")) {
				header = true;
				continue;
			}
			if (header) {
				// the header row, then the separator row
				header = !line.startsWith("|---");
				continue;
			}
			String body = line.substring(1, line.lastIndexOf('|'));
			rows.add(Arrays.asList(body.split("\\|", -1)));
		}
		if (!inSection) {
			throw new IllegalStateException("docs/reference/metrics.md has no heading '" + heading + "'");
		}
		return rows;
	}

	private static List<String> code(String cell) {
		return INLINE_CODE.matcher(cell).results().map((match) -> match.group(1)).toList();
	}

	/**
	 * A meter of the tables under "Meters".
	 *
	 * @param name its Micrometer name, such as {@code llm.calls}
	 * @param type its type as the table says it, such as {@code timer (observation)}
	 * @param tags its tag keys
	 */
	public record DocumentedMeter(String name, String type, List<String> tags) {

	}

	/**
	 * A row of the table of panels.
	 *
	 * @param row the title of the dashboard row
	 * @param title the title of the panel
	 * @param meters the meters the panel shows
	 */
	public record DocumentedPanel(String row, String title, List<String> meters) {

	}

	/**
	 * A row of the table of alerts.
	 *
	 * @param name the alert's name
	 * @param severity its severity label
	 */
	public record DocumentedAlert(String name, String severity) {

	}

}
