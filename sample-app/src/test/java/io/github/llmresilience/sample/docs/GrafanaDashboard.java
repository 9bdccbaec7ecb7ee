package io.github.llmresilience.sample.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard {@code docs/grafana/llm-resilience.json}, read for what the tests
 * check: its panels with their queries, and its template variables.
 *
 * @param json the dashboard's JSON model
 */
public record GrafanaDashboard(JsonNode json) {

	/**
	 * Where the dashboard is, seen from the module's directory where Maven runs the
	 * tests.
	 */
	public static final Path PATH = MarkdownDocument.ROOT.resolve("docs/grafana/llm-resilience.json");

	/**
	 * A variable reference as Grafana reads one: {@code $name} or {@code ${name}}.
	 */
	private static final Pattern VARIABLE = Pattern.compile("\\$(\\w+)|\\$\\{(\\w+)}");

	public static GrafanaDashboard read() {
		try {
			return new GrafanaDashboard(JsonMapper.builder().build().readTree(Files.readString(PATH)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return every panel that is not a row, in the order of the file, with the title of
	 * the row it sits under (also for the panels of a collapsed row, which Grafana keeps
	 * inside the row).
	 * @return the panels
	 */
	public List<Panel> panels() {
		List<Panel> panels = new ArrayList<>();
		String row = "";
		for (JsonNode panel : this.json.path("panels").values()) {
			if ("row".equals(panel.path("type").asString())) {
				row = panel.path("title").asString();
				for (JsonNode nested : panel.path("panels").values()) {
					panels.add(panel(nested, row));
				}
			}
			else {
				panels.add(panel(panel, row));
			}
		}
		return panels;
	}

	/**
	 * Return the titles of the rows, in order.
	 * @return the row titles
	 */
	public List<String> rows() {
		List<String> rows = new ArrayList<>();
		for (JsonNode panel : this.json.path("panels").values()) {
			if ("row".equals(panel.path("type").asString())) {
				rows.add(panel.path("title").asString());
			}
		}
		return rows;
	}

	/**
	 * Return the template variables.
	 * @return the variables
	 */
	public List<Variable> variables() {
		List<Variable> variables = new ArrayList<>();
		for (JsonNode variable : this.json.path("templating").path("list").values()) {
			JsonNode query = variable.path("query");
			variables.add(new Variable(variable.path("name").asString(), variable.path("type").asString(),
					query.isObject() ? query.path("query").asString() : query.asString(),
					datasourceUid(variable.path("datasource")), variable.path("includeAll").asBoolean(),
					variable.path("allValue").isString() ? variable.path("allValue").asString() : null,
					variable.path("multi").asBoolean()));
		}
		return variables;
	}

	/**
	 * Return the variable of the given name.
	 * @param name the variable's name
	 * @return the variable
	 * @throws java.util.NoSuchElementException if the dashboard has none of that name
	 */
	public Variable variable(String name) {
		return variables().stream().filter((variable) -> variable.name().equals(name)).findFirst().orElseThrow();
	}

	/**
	 * Replace the variables of a query as Grafana does before it sends the query:
	 * {@code $name} and {@code ${name}} of a known variable become its value; anything
	 * else, such as the {@code $1} of {@code label_replace}, stays.
	 * @param query the query
	 * @param values the value of each variable, without the {@code $}
	 * @return the query Grafana would send
	 */
	public static String substitute(String query, Map<String, String> values) {
		Matcher matcher = VARIABLE.matcher(query);
		StringBuilder sent = new StringBuilder();
		while (matcher.find()) {
			String name = (matcher.group(1) != null) ? matcher.group(1) : matcher.group(2);
			String value = values.get(name);
			matcher.appendReplacement(sent, Matcher.quoteReplacement((value != null) ? value : matcher.group()));
		}
		return matcher.appendTail(sent).toString();
	}

	/**
	 * Return the names of the variables a query refers to.
	 * @param query the query
	 * @return the names, without the {@code $}
	 */
	public static List<String> references(String query) {
		List<String> names = new ArrayList<>();
		Matcher matcher = VARIABLE.matcher(query);
		while (matcher.find()) {
			names.add((matcher.group(1) != null) ? matcher.group(1) : matcher.group(2));
		}
		return names;
	}

	private static Panel panel(JsonNode panel, String row) {
		List<Query> queries = new ArrayList<>();
		for (JsonNode target : panel.path("targets").values()) {
			queries.add(new Query(target.path("refId").asString(), target.path("expr").asString(),
					datasourceUid(target.path("datasource"))));
		}
		return new Panel(panel.path("id").asInt(), panel.path("type").asString(), panel.path("title").asString(), row,
				datasourceUid(panel.path("datasource")), queries);
	}

	private static @Nullable String datasourceUid(JsonNode datasource) {
		return datasource.path("uid").isString() ? datasource.path("uid").asString() : null;
	}

	/**
	 * A panel of the dashboard.
	 *
	 * @param id its id, unique in the dashboard
	 * @param type its visualization, such as {@code timeseries}
	 * @param title its title
	 * @param row the title of the row it sits under
	 * @param datasourceUid the uid of its data source, or {@code null}
	 * @param queries its queries
	 */
	public record Panel(int id, String type, String title, String row, @Nullable String datasourceUid,
			List<Query> queries) {

	}

	/**
	 * A query of a panel.
	 *
	 * @param refId its id in the panel ({@code A}, {@code B}, ...)
	 * @param expr its PromQL, with the dashboard's variables in it
	 * @param datasourceUid the uid of its data source, or {@code null}
	 */
	public record Query(String refId, String expr, @Nullable String datasourceUid) {

	}

	/**
	 * A template variable of the dashboard.
	 *
	 * @param name its name
	 * @param type its type: {@code datasource} or {@code query}
	 * @param query for a data source variable the plugin id, for a query variable the
	 * query
	 * @param datasourceUid the uid of the data source a query variable asks, or
	 * {@code null}
	 * @param includeAll whether it offers "All"
	 * @param allValue the value that stands for "All", or {@code null}
	 * @param multi whether several values may be chosen
	 */
	public record Variable(String name, String type, String query, @Nullable String datasourceUid, boolean includeAll,
			@Nullable String allValue, boolean multi) {

	}

}
