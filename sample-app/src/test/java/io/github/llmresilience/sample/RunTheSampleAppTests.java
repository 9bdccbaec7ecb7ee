package io.github.llmresilience.sample;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.github.llmresilience.testkit.FakeLlmServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application as the README runs it: no configuration, no profile, no API key. It
 * starts in demo mode and answers the README's {@code curl} commands.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
// The demo's waits (a 1s Retry-After, 500ms backoffs) make a call take seconds, more on a
// loaded
// machine: the client's timeout is only a safety net.
@AutoConfigureWebTestClient(timeout = "30s")
class RunTheSampleAppTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private Environment environment;

	@Autowired
	private FakeLlmServer demoServer;

	@Test
	void startsInDemoModeWithItsOwnFakeProviders() {
		assertThat(this.environment.getActiveProfiles()).isEmpty();
		assertThat(this.environment.getDefaultProfiles()).containsExactly("demo");
		String server = "http://127.0.0.1:" + this.demoServer.port();
		assertThat(this.environment.getProperty("llm.providers.openai.base-url")).isEqualTo(server + "/openai/v1");
		assertThat(this.environment.getProperty("llm.providers.backup.base-url")).isEqualTo(server + "/backup/v1");
	}

	@Test
	void answersTheCurlCommandsOfTheReadme() throws IOException {
		List<Curl> commands = Curl.inReadme();
		assertThat(commands).extracting(Curl::path)
			.contains("/api/summaries", "/api/chat/stream", "/actuator/prometheus");
		String base = "http://localhost:" + this.environment.getRequiredProperty("local.server.port");
		for (Curl curl : commands) {
			// The Prometheus scrape of the demo is larger than the default 256 KB a
			// client buffers.
			WebTestClient.RequestBodySpec request = this.client.mutate()
				.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
				.build()
				.method(curl.method())
				.uri(URI.create(base + curl.pathAndQuery()));
			curl.headers().forEach((header) -> request.header(header[0], header[1]));
			WebTestClient.RequestHeadersSpec<?> ready = (curl.data() != null) ? request.bodyValue(curl.data())
					: request;
			byte[] body = ready.exchange()
				.expectStatus()
				.is2xxSuccessful()
				.expectBody()
				.returnResult()
				.getResponseBody();
			assertThat(body).as(curl.line()).isNotEmpty();
		}
	}

	@Test
	void exposesTheActuatorEndpointsTheReadmeNames() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
		this.client.get().uri("/actuator/llm").exchange().expectStatus().isOk();
		this.client.get().uri("/actuator/metrics").exchange().expectStatus().isOk();
	}

	/**
	 * A {@code curl} command of the README's "Run the sample app" section, read the way a
	 * shell would for the few options it uses: {@code -H}, {@code -d}, and flags without
	 * a value.
	 */
	record Curl(String line, HttpMethod method, String pathAndQuery, List<String[]> headers, String data) {

		String path() {
			int query = this.pathAndQuery.indexOf('?');
			return (query < 0) ? this.pathAndQuery : this.pathAndQuery.substring(0, query);
		}

		static List<Curl> inReadme() throws IOException {
			List<Curl> commands = new ArrayList<>();
			for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
				if (line.startsWith("curl ")) {
					commands.add(parse(line));
				}
			}
			return commands;
		}

		static Curl parse(String line) {
			List<String> words = words(line);
			String url = null;
			String data = null;
			List<String[]> headers = new ArrayList<>();
			for (int i = 1; i < words.size(); i++) {
				String word = words.get(i);
				if (word.equals("|")) {
					break;
				}
				switch (word) {
					case "-H" -> {
						String header = words.get(++i);
						int colon = header.indexOf(':');
						headers.add(
								new String[] { header.substring(0, colon).trim(), header.substring(colon + 1).trim() });
					}
					case "-d" -> data = words.get(++i);
					default -> {
						if (!word.startsWith("-")) {
							url = word;
						}
					}
				}
			}
			assertThat(url).as(line).startsWith("localhost:8080/");
			return new Curl(line, (data != null) ? HttpMethod.POST : HttpMethod.GET,
					url.substring("localhost:8080".length()), headers, data);
		}

		private static List<String> words(String line) {
			List<String> words = new ArrayList<>();
			StringBuilder word = new StringBuilder();
			boolean quoted = false;
			boolean inWord = false;
			for (char c : line.toCharArray()) {
				if (c == '\'') {
					quoted = !quoted;
					inWord = true;
				}
				else if (c == ' ' && !quoted) {
					if (inWord) {
						words.add(word.toString());
						word.setLength(0);
						inWord = false;
					}
				}
				else {
					word.append(c);
					inWord = true;
				}
			}
			if (inWord) {
				words.add(word.toString());
			}
			return words;
		}

	}

}
