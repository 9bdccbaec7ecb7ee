package io.github.llmresilience.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The {@code User-Agent} every request carries unless the provider's {@code headers} set
 * one: {@code llm-resilience/<version>}, so that providers and proxies can tell this
 * client's traffic apart.
 */
final class UserAgent {

	/**
	 * The header's value.
	 */
	static final String VALUE = "llm-resilience/" + version();

	private UserAgent() {
	}

	/**
	 * The version from the jar's manifest, or, when running from classes (tests, an IDE),
	 * from the resource the build writes the project's version into.
	 */
	static String version() {
		String version = UserAgent.class.getPackage().getImplementationVersion();
		if (version != null && !version.isBlank()) {
			return version;
		}
		try (InputStream in = UserAgent.class.getResourceAsStream("llm-resilience-version.properties")) {
			if (in != null) {
				Properties properties = new Properties();
				properties.load(in);
				String built = properties.getProperty("version");
				if (built != null && !built.isBlank() && !built.startsWith("${")) {
					return built.strip();
				}
			}
		}
		catch (IOException ex) {
			// Fall through: a missing version must not stop a request.
		}
		return "unknown";
	}

}
