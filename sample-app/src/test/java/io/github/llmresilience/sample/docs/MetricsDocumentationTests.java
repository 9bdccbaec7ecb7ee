package io.github.llmresilience.sample.docs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import io.github.llmresilience.observation.LlmMeters;
import io.github.llmresilience.sample.docs.AlertRules.Rule;
import io.github.llmresilience.sample.docs.GrafanaDashboard.Panel;
import io.github.llmresilience.sample.docs.GrafanaDashboard.Query;
import io.github.llmresilience.sample.docs.GrafanaDashboard.Variable;
import io.github.llmresilience.sample.docs.MetricsGuide.DocumentedAlert;
import io.github.llmresilience.sample.docs.MetricsGuide.DocumentedMeter;
import io.github.llmresilience.sample.docs.MetricsGuide.DocumentedPanel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard ({@code docs/grafana/llm-resilience.json}), the alert rules
 * ({@code docs/prometheus/llm-resilience-alerts.yml}) and
 * {@code docs/reference/metrics.md} cannot drift apart: every meter the page documents
 * has a panel, every metric the dashboard, the rules and the page's queries use is a
 * documented meter's, every panel filters by the dashboard's variables, and the page's
 * tables of panels and alerts list exactly what the files hold. Whoever adds a meter to
 * the page's tables adds its panel (and the page's row for it) in the same change.
 * Whether the queries return data is {@code DashboardIT}'s part, against a real
 * Prometheus.
 */
class MetricsDocumentationTests {

	private static final Pattern METRIC_PREFIX = Pattern.compile("^(llm|gen_ai|resilience4j)_");

	private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

	private static final Pattern STRING = Pattern.compile("\"[^\"]*\"");

	private static final Pattern NAME_MATCHER = Pattern.compile("__name__=~?\"([^\"]+)\"");

	private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\{([^}]*)}");

	private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");

	private static final Pattern LABEL_LIST = Pattern
		.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");

	private static final Pattern BY_CLAUSE = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");

	/**
	 * The variables of Grafana itself that a query may use.
	 */
	private static final Set<String> GRAFANA_VARIABLES = Set.of("__rate_interval", "__range", "__interval");

	private static final String DATASOURCE = "${datasource}";

	private static final String APPLICATION = "application=~\"$application\"";

	private static final String POLICY = "policy=~\"$policy\"";

	private final MetricsGuide guide = MetricsGuide.read();

	private final GrafanaDashboard dashboard = GrafanaDashboard.read();

	private final AlertRules rules = AlertRules.read();

	/**
	 * The Prometheus names of each documented meter's series, as Micrometer's Prometheus
	 * registry exports them with and without histogram buckets.
	 */
	private final Map<DocumentedMeter, Set<String>> seriesNames = seriesNames(this.guide.meters());

	@Test
	void readsTheMetersOfBothTables() {
		assertThat(this.guide.meters()).extracting(DocumentedMeter::name)
			.contains("llm.calls", "llm.calls.active", "llm.attempts", "llm.attempts.active", "llm.retries",
					"llm.fallbacks", "gen_ai.client.token.usage", "resilience4j.circuitbreaker.state",
					"resilience4j.retry.calls");
	}

	@Test
	void everyMeterOfTheStarterIsDocumentedWithItsTypeAndTags() {
		List<String> documented = new ArrayList<>();
		for (DocumentedMeter meter : this.guide.meters()) {
			if (meter.name().startsWith("llm.") || meter.name().startsWith("gen_ai.")) {
				documented.add(meter.name() + " " + type(meter) + " " + meter.tags());
			}
		}
		List<String> registered = Arrays.stream(LlmMeters.values())
			.map((meter) -> meter.getName() + " " + meter.getType() + " "
					+ Arrays.stream(meter.getKeyNames()).map(KeyName::asString).toList())
			.toList();
		assertThat(documented).as("the starter's meters in the table of docs/reference/metrics.md")
			.containsExactlyElementsOf(registered);
	}

	@Test
	void everyMeterOfTheStarterHasAPanel() {
		Set<String> shown = shownSeries();
		List<String> withoutPanel = new ArrayList<>();
		for (LlmMeters meter : LlmMeters.values()) {
			Set<String> names = series(meter.getName(), meter.getType());
			if (names.stream().noneMatch(shown::contains)) {
				withoutPanel.add(meter.getName() + " (exported as " + names + ")");
			}
		}
		assertThat(withoutPanel).as("meters of LlmMeters that no panel of %s shows", GrafanaDashboard.PATH).isEmpty();
	}

	@Test
	void everyDocumentedMeterHasAPanel() {
		Set<String> shown = shownSeries();
		List<String> withoutPanel = new ArrayList<>();
		this.seriesNames.forEach((meter, names) -> {
			if (names.stream().noneMatch(shown::contains)) {
				withoutPanel.add(meter.name() + " (exported as " + names + ")");
			}
		});
		assertThat(withoutPanel).as("documented meters that no panel of %s shows", GrafanaDashboard.PATH).isEmpty();
	}

	@Test
	void everyMetricTheDashboardTheRulesAndThePageQueryIsADocumentedMetersSeries() {
		Set<String> documented = this.seriesNames.values()
			.stream()
			.flatMap(Set::stream)
			.collect(Collectors.toCollection(TreeSet::new));
		Map<String, String> queries = new LinkedHashMap<>();
		this.dashboard.panels()
			.forEach((panel) -> panel.queries()
				.forEach((query) -> queries.put("panel '" + panel.title() + "' " + query.refId(), query.expr())));
		this.rules.rules().forEach((rule) -> queries.put("rule " + rule.name(), rule.expr()));
		List<String> examples = this.guide.promqlExamples();
		for (int i = 0; i < examples.size(); i++) {
			queries.put("docs/reference/metrics.md query " + (i + 1), examples.get(i));
		}
		List<String> problems = new ArrayList<>();
		queries.forEach((where, expr) -> {
			for (String name : identifiers(expr)) {
				if (METRIC_PREFIX.matcher(name).find() && !documented.contains(name)) {
					problems.add(where + " uses " + name + ", which no meter of docs/reference/metrics.md exports");
				}
			}
			Matcher matcher = NAME_MATCHER.matcher(expr);
			while (matcher.find()) {
				String regex = matcher.group(1);
				if (documented.stream().noneMatch((name) -> name.matches(regex))) {
					problems.add(where + " matches __name__ with " + regex + ", which no documented series has");
				}
			}
		});
		assertThat(problems).isEmpty();
	}

	@Test
	void everyPanelAsksTheChosenDataSourceAndFiltersByTheChosenApplicationAndPolicies() {
		Map<String, DocumentedMeter> meterOfSeries = new LinkedHashMap<>();
		this.seriesNames.forEach((meter, names) -> names.forEach((name) -> meterOfSeries.put(name, meter)));
		List<String> problems = new ArrayList<>();
		for (Panel panel : this.dashboard.panels()) {
			if (!DATASOURCE.equals(panel.datasourceUid())) {
				problems.add("panel '" + panel.title() + "' asks data source " + panel.datasourceUid());
			}
			if (panel.queries().isEmpty()) {
				problems.add("panel '" + panel.title() + "' has no query");
			}
			for (Query query : panel.queries()) {
				String where = "panel '" + panel.title() + "' " + query.refId();
				if (!DATASOURCE.equals(query.datasourceUid())) {
					problems.add(where + " asks data source " + query.datasourceUid());
				}
				for (String variable : GrafanaDashboard.references(query.expr())) {
					if (!variable.matches("\\d+") && !GRAFANA_VARIABLES.contains(variable)
							&& this.dashboard.variables()
								.stream()
								.noneMatch((known) -> known.name().equals(variable))) {
						problems.add(where + " uses $" + variable + ", which is not a variable of the dashboard");
					}
				}
				Matcher selector = SELECTOR.matcher(query.expr());
				while (selector.find()) {
					String matchers = selector.group(2);
					if (!matchers.contains(APPLICATION)) {
						problems.add(where + " has a selector without " + APPLICATION + ": " + selector.group());
					}
					Set<String> names = (selector.group(1) != null) ? Set.of(selector.group(1))
							: metricsIn(selector.group());
					boolean policyTagged = names.stream()
						.map(meterOfSeries::get)
						.anyMatch((meter) -> meter != null && meter.tags().contains("policy"));
					if (policyTagged && !matchers.contains(POLICY)) {
						problems.add(where + " has a selector of a meter with a policy tag without " + POLICY + ": "
								+ selector.group());
					}
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void theVariablesOfferTheDataSourcesTheApplicationsAndThePoliciesOfTheCalls() {
		assertThat(this.dashboard.variables()).extracting(Variable::name)
			.containsExactly("datasource", "application", "policy");
		Variable datasource = this.dashboard.variable("datasource");
		assertThat(datasource.type()).isEqualTo("datasource");
		assertThat(datasource.query()).isEqualTo("prometheus");
		assertThat(this.dashboard.variable("application").query())
			.isEqualTo("label_values(llm_calls_seconds_count, application)");
		assertThat(this.dashboard.variable("application").datasourceUid()).isEqualTo(DATASOURCE);
		Variable policy = this.dashboard.variable("policy");
		assertThat(policy.query()).isEqualTo("label_values(llm_calls_seconds_count{" + APPLICATION + "}, policy)");
		assertThat(policy.datasourceUid()).isEqualTo(DATASOURCE);
		assertThat(policy.multi()).isTrue();
		assertThat(policy.includeAll()).isTrue();
		assertThat(policy.allValue()).isEqualTo(".*");
	}

	@Test
	void panelIdsAreUnique() {
		List<Integer> ids = this.dashboard.panels().stream().map(Panel::id).toList();
		assertThat(ids).doesNotHaveDuplicates().doesNotContain(0);
	}

	@Test
	void thePagesTableOfPanelsListsEveryPanelInOrderWithTheMetersItShows() {
		List<DocumentedPanel> actual = new ArrayList<>();
		Map<String, DocumentedMeter> meterOfSeries = new LinkedHashMap<>();
		this.seriesNames.forEach((meter, names) -> names.forEach((name) -> meterOfSeries.put(name, meter)));
		for (Panel panel : this.dashboard.panels()) {
			Set<String> meters = new LinkedHashSet<>();
			for (Query query : panel.queries()) {
				metricsIn(query.expr()).stream()
					.map(meterOfSeries::get)
					.filter((meter) -> meter != null)
					.forEach((meter) -> meters.add(meter.name()));
			}
			actual.add(new DocumentedPanel(panel.row(), panel.title(), List.copyOf(new TreeSet<>(meters))));
		}
		List<DocumentedPanel> documented = this.guide.panels()
			.stream()
			.map((panel) -> new DocumentedPanel(panel.row(), panel.title(), List.copyOf(new TreeSet<>(panel.meters()))))
			.toList();
		assertThat(documented).containsExactlyElementsOf(actual);
	}

	@Test
	void everyAlertHasASeverityASummaryAndADescriptionOfWhatToDo() {
		List<String> problems = new ArrayList<>();
		for (Rule rule : this.rules.rules()) {
			if (rule.alert() == null) {
				problems.add(rule.name() + " is a recording rule; the file holds alerts only");
				continue;
			}
			if (!Set.of("page", "ticket").contains(rule.labels().get("severity"))) {
				problems.add(rule.alert() + " has severity " + rule.labels().get("severity") + ", not page or ticket");
			}
			if (rule.annotations().getOrDefault("summary", "").isBlank()) {
				problems.add(rule.alert() + " has no summary");
			}
			if (rule.annotations().getOrDefault("description", "").isBlank()) {
				problems.add(rule.alert() + " has no description");
			}
		}
		assertThat(problems).isEmpty();
		assertThat(this.rules.rules()).extracting(Rule::alert).doesNotHaveDuplicates();
	}

	@Test
	void everyAlertIsPerApplication() {
		List<String> problems = new ArrayList<>();
		for (Rule rule : this.rules.rules()) {
			Matcher by = BY_CLAUSE.matcher(rule.expr());
			while (by.find()) {
				if (!List.of(by.group(1).split("\\s*,\\s*")).contains("application")) {
					problems.add(rule.name() + " aggregates by (" + by.group(1) + ") without application");
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void thePagesTableOfAlertsListsEveryAlertWithItsSeverity() {
		List<DocumentedAlert> actual = this.rules.rules()
			.stream()
			.map((rule) -> new DocumentedAlert(rule.name(), rule.labels().get("severity")))
			.toList();
		assertThat(this.guide.alerts()).containsExactlyElementsOf(actual);
	}

	/**
	 * Return the names of the series the dashboard's panels query.
	 */
	private Set<String> shownSeries() {
		Set<String> shown = new TreeSet<>();
		for (Panel panel : this.dashboard.panels()) {
			for (Query query : panel.queries()) {
				shown.addAll(metricsIn(query.expr()));
			}
		}
		return shown;
	}

	/**
	 * Return the names of the series a query reads: the metric names outside strings, and
	 * the documented series names that a {@code __name__} matcher selects.
	 */
	private Set<String> metricsIn(String expr) {
		Set<String> names = new TreeSet<>();
		for (String identifier : identifiers(expr)) {
			if (METRIC_PREFIX.matcher(identifier).find()) {
				names.add(identifier);
			}
		}
		Matcher matcher = NAME_MATCHER.matcher(expr);
		while (matcher.find()) {
			String regex = matcher.group(1);
			this.seriesNames.values()
				.stream()
				.flatMap(Set::stream)
				.filter((name) -> name.matches(regex))
				.forEach(names::add);
		}
		return names;
	}

	/**
	 * Return the identifiers of a query that can be metric names: those outside strings,
	 * label matchers and the label lists of aggregations and vector matching.
	 */
	private static List<String> identifiers(String expr) {
		String withoutLabels = LABEL_LIST
			.matcher(MATCHERS.matcher(STRING.matcher(expr).replaceAll("\"\"")).replaceAll("{}"))
			.replaceAll("()");
		List<String> identifiers = new ArrayList<>();
		Matcher matcher = IDENTIFIER.matcher(withoutLabels);
		while (matcher.find()) {
			identifiers.add(matcher.group());
		}
		return identifiers;
	}

	private static Map<DocumentedMeter, Set<String>> seriesNames(List<DocumentedMeter> meters) {
		Map<DocumentedMeter, Set<String>> names = new LinkedHashMap<>();
		for (DocumentedMeter meter : meters) {
			names.put(meter, series(meter.name(), type(meter)));
		}
		return names;
	}

	/**
	 * Return the names of the series that Micrometer's Prometheus registry exports for a
	 * meter of a type, with and without histogram buckets.
	 */
	private static Set<String> series(String name, Meter.Type type) {
		Set<String> series = new TreeSet<>(exported(name, type, false));
		series.addAll(exported(name, type, true));
		return series;
	}

	/**
	 * Return the Micrometer type of a documented meter, from the start of its type in the
	 * table.
	 */
	private static Meter.Type type(DocumentedMeter meter) {
		String type = meter.type();
		if (type.startsWith("long task timer")) {
			return Meter.Type.LONG_TASK_TIMER;
		}
		if (type.startsWith("timer")) {
			return Meter.Type.TIMER;
		}
		if (type.startsWith("counter")) {
			return Meter.Type.COUNTER;
		}
		if (type.startsWith("distribution summary")) {
			return Meter.Type.DISTRIBUTION_SUMMARY;
		}
		if (type.startsWith("gauge")) {
			return Meter.Type.GAUGE;
		}
		throw new IllegalStateException("docs/reference/metrics.md gives " + meter.name() + " the type '" + type
				+ "'; start it with timer, long task timer, counter, distribution summary or gauge");
	}

	/**
	 * Return the names of the series that Micrometer's Prometheus registry exports for a
	 * meter of a type, with or without histogram buckets.
	 */
	private static Set<String> exported(String name, Meter.Type type, boolean histogram) {
		PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		if (histogram) {
			registry.config().meterFilter(new MeterFilter() {
				@Override
				public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
					return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
				}
			});
		}
		switch (type) {
			case LONG_TASK_TIMER -> LongTaskTimer.builder(name).register(registry);
			case TIMER -> Timer.builder(name).register(registry);
			case COUNTER -> Counter.builder(name).register(registry);
			case DISTRIBUTION_SUMMARY -> DistributionSummary.builder(name).register(registry);
			case GAUGE -> Gauge.builder(name, () -> 1).register(registry);
			default -> throw new IllegalStateException(name + " is a " + type + ", which this test cannot export");
		}
		Set<String> names = new TreeSet<>();
		registry.scrape().lines().filter((line) -> !line.startsWith("#") && !line.isBlank()).forEach((line) -> {
			Matcher identifier = IDENTIFIER.matcher(line);
			if (identifier.lookingAt()) {
				names.add(identifier.group());
			}
		});
		registry.close();
		return names;
	}

}
