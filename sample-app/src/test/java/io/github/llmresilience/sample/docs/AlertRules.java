package io.github.llmresilience.sample.docs;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Prometheus rule file {@code docs/prometheus/llm-resilience-alerts.yml}, read for
 * what the tests check: its groups and their rules.
 *
 * @param groups the rule groups, in the order of the file
 */
public record AlertRules(List<Group> groups) {

	/**
	 * Where the rule file is, seen from the module's directory where Maven runs the
	 * tests.
	 */
	public static final Path PATH = MarkdownDocument.ROOT.resolve("docs/prometheus/llm-resilience-alerts.yml");

	@SuppressWarnings("unchecked")
	public static AlertRules read() {
		try (Reader reader = Files.newBufferedReader(PATH)) {
			Map<String, Object> file = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
			List<Group> groups = new ArrayList<>();
			for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
				String name = (String) group.get("name");
				List<Rule> rules = new ArrayList<>();
				for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
					rules.add(new Rule(name, (String) rule.get("alert"), (String) rule.get("record"),
							String.valueOf(rule.get("expr")), (String) rule.get("for"), strings(rule.get("labels")),
							strings(rule.get("annotations"))));
				}
				groups.add(new Group(name, rules));
			}
			return new AlertRules(groups);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return every rule of every group, in the order of the file.
	 * @return the rules
	 */
	public List<Rule> rules() {
		return this.groups.stream().flatMap((group) -> group.rules().stream()).toList();
	}

	private static Map<String, String> strings(@Nullable Object map) {
		Map<String, String> strings = new LinkedHashMap<>();
		if (map instanceof Map<?, ?> entries) {
			entries.forEach((key, value) -> strings.put(String.valueOf(key), String.valueOf(value)));
		}
		return strings;
	}

	/**
	 * A rule group.
	 *
	 * @param name its name
	 * @param rules its rules
	 */
	public record Group(String name, List<Rule> rules) {

	}

	/**
	 * An alerting or recording rule.
	 *
	 * @param group the name of its group
	 * @param alert the name of the alert, or {@code null} for a recording rule
	 * @param record the name of the recorded series, or {@code null} for an alert
	 * @param expr its PromQL
	 * @param forDuration how long the expression must hold before the alert fires, or
	 * {@code null}
	 * @param labels the labels it adds
	 * @param annotations its annotations
	 */
	public record Rule(String group, @Nullable String alert, @Nullable String record, String expr,
			@Nullable String forDuration, Map<String, String> labels, Map<String, String> annotations) {

		public String name() {
			return (this.alert != null) ? this.alert : String.valueOf(this.record);
		}

	}

}
