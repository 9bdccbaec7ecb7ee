package io.github.llmresilience.benchmarks.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A plain-text table: the first row is the header, the first column is left-aligned, the
 * others right-aligned.
 */
final class Table {

	private final List<String[]> rows = new ArrayList<>();

	Table(String... header) {
		this.rows.add(header);
	}

	Table row(Object... cells) {
		String[] row = new String[cells.length];
		for (int i = 0; i < cells.length; i++) {
			row[i] = String.valueOf(cells[i]);
		}
		this.rows.add(row);
		return this;
	}

	@Override
	public String toString() {
		int columns = 0;
		for (String[] row : this.rows) {
			columns = Math.max(columns, row.length);
		}
		int[] widths = new int[columns];
		for (String[] row : this.rows) {
			for (int i = 0; i < row.length; i++) {
				widths[i] = Math.max(widths[i], row[i].length());
			}
		}
		StringBuilder text = new StringBuilder();
		for (int r = 0; r < this.rows.size(); r++) {
			String[] row = this.rows.get(r);
			StringBuilder line = new StringBuilder("| ");
			for (int i = 0; i < columns; i++) {
				String cell = (i < row.length) ? row[i] : "";
				String padded = (i == 0) ? String.format("%-" + widths[i] + "s", cell)
						: String.format("%" + widths[i] + "s", cell);
				line.append(padded).append(" | ");
			}
			text.append(line.toString().stripTrailing()).append('\n');
			if (r == 0) {
				StringBuilder rule = new StringBuilder("|");
				for (int i = 0; i < columns; i++) {
					rule.append(i == 0 ? ":" : "-").append("-".repeat(widths[i])).append(i == 0 ? "-|" : ":|");
				}
				text.append(rule).append('\n');
			}
		}
		return text.toString();
	}

	static String number(double value, int decimals) {
		return String.format(Locale.ROOT, "%,." + decimals + "f", value);
	}

	static String ratio(double value) {
		return String.format(Locale.ROOT, "%.3f×", value);
	}

	static String mib(long bytes) {
		return String.format(Locale.ROOT, "%,.0f MiB", bytes / (1024.0 * 1024.0));
	}

	static String millis(double millis) {
		return String.format(Locale.ROOT, "%,.1f ms", millis);
	}

	static String seconds(long nanos) {
		return String.format(Locale.ROOT, "%,.2f s", nanos / 1e9);
	}

	static String percent(long part, long whole) {
		return String.format(Locale.ROOT, "%d/%d (%.2f %%)", part, whole, (whole == 0) ? 0.0 : 100.0 * part / whole);
	}

}
