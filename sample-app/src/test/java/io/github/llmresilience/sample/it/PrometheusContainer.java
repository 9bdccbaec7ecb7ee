package io.github.llmresilience.sample.it;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.it.LocalImageContainer;

/**
 * Prometheus, Debian's build, in a container of the image that
 * {@code docker/prometheus/build-image.sh} builds locally. It runs on the host's network,
 * bound to 127.0.0.1 on a free port, with the configuration of
 * {@code docs/prometheus/prometheus.yml} and the rule file it names, changed only in the
 * scrape target, the intervals and where the rule file lies. Tests read it through its
 * HTTP API.
 */
final class PrometheusContainer extends LocalImageContainer<PrometheusContainer> {

	/**
	 * The image, as the build names it (system property {@code prometheus.image}).
	 */
	static final String IMAGE = System.getProperty("prometheus.image", "llm-resilience/prometheus:debian");

	/**
	 * Where the rule file lies in the container.
	 */
	static final String RULES_DIRECTORY = "/etc/prometheus/rules/";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/**
	 * Create a container that scrapes an application and loads the rule file that a
	 * configuration names, from the configuration's directory.
	 * @param configuration the configuration to start from, such as
	 * {@code docs/prometheus/prometheus.yml}
	 * @param target the {@code host:port} of the application
	 * @param interval the scrape and rule evaluation interval, such as {@code 1s}
	 */
	PrometheusContainer(Path configuration, String target, String interval) {
		super(IMAGE, "docker/prometheus/build-image.sh", ".*Server is ready to receive web requests.*", "prometheus");
		Map<String, Object> config = adapt(read(configuration), target, interval);
		withCopyToContainer(Transferable.of(yaml().dump(config)), "/etc/prometheus/prometheus.yml");
		for (String rules : ruleFiles(config)) {
			Path file = configuration.resolveSibling(rules.substring(RULES_DIRECTORY.length()));
			withCopyFileToContainer(MountableFile.forHostPath(file), rules);
		}
		withCommand("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
				"--web.listen-address=127.0.0.1:" + port());
	}

	/**
	 * Evaluate a query at the current time.
	 * @param promql the query
	 * @return Prometheus's answer: {@code status}, and {@code data} or {@code error}
	 */
	JsonNode query(String promql) {
		return post("/api/v1/query", "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
	}

	/**
	 * Read an endpoint of the HTTP API.
	 * @param path its path, such as {@code /api/v1/rules}
	 * @return Prometheus's answer
	 */
	JsonNode get(String path) {
		return send(HttpRequest.newBuilder(uri(path)).GET());
	}

	/**
	 * Run {@code promtool} in the container.
	 * @param arguments its arguments
	 * @return what it printed and its exit code
	 */
	ExecResult promtool(String... arguments) {
		String[] command = new String[arguments.length + 1];
		command[0] = "promtool";
		System.arraycopy(arguments, 0, command, 1, arguments.length);
		try {
			return execInContainer(command);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Return the URL of the web UI and the HTTP API.
	 * @return the URL
	 */
	String url() {
		return "http://127.0.0.1:" + port();
	}

	/**
	 * Return the configuration with its one scrape job pointed at the target, both
	 * intervals set, and its rule files looked up in {@link #RULES_DIRECTORY}.
	 */
	@SuppressWarnings("unchecked")
	private static Map<String, Object> adapt(Map<String, Object> config, String target, String interval) {
		Map<String, Object> global = (Map<String, Object>) config.get("global");
		global.put("scrape_interval", interval);
		global.put("evaluation_interval", interval);
		List<Map<String, Object>> scrapes = (List<Map<String, Object>>) config.get("scrape_configs");
		if (scrapes.size() != 1) {
			throw new IllegalStateException("Expected one scrape configuration, got " + scrapes);
		}
		scrapes.get(0).put("static_configs", List.of(Map.of("targets", List.of(target))));
		config.put("rule_files",
				((List<String>) config.get("rule_files")).stream().map((file) -> RULES_DIRECTORY + file).toList());
		return config;
	}

	@SuppressWarnings("unchecked")
	private static List<String> ruleFiles(Map<String, Object> config) {
		return (List<String>) config.get("rule_files");
	}

	private static Map<String, Object> read(Path configuration) {
		try (Reader reader = Files.newBufferedReader(configuration)) {
			return yaml().load(reader);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Yaml yaml() {
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(options), options);
	}

	private URI uri(String path) {
		return URI.create(url() + path);
	}

	private JsonNode post(String path, String form) {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form)));
	}

	/**
	 * Send a request and return the JSON answer, also of a 4xx: Prometheus says there why
	 * it refused a query.
	 */
	private JsonNode send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = this.http.send(request.timeout(Duration.ofSeconds(30)).build(),
					HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() >= 500) {
				throw new IllegalStateException(
						"Prometheus answered " + response.statusCode() + ": " + response.body());
			}
			return JSON.readTree(response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
