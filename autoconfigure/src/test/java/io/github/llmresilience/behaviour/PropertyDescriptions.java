package io.github.llmresilience.behaviour;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The descriptions of the properties that the configuration processor wrote into the
 * {@code META-INF/spring-configuration-metadata.json} files on the class path, as an IDE
 * shows them.
 */
public final class PropertyDescriptions {

	private PropertyDescriptions() {
	}

	/**
	 * Return the description of every property under a prefix.
	 * @param prefix a prefix such as {@code llm.spring-ai.}
	 * @return the descriptions by property name, empty for a property without one
	 * @throws IOException if a metadata file cannot be read
	 */
	public static Map<String, String> under(String prefix) throws IOException {
		Map<String, String> descriptions = new LinkedHashMap<>();
		for (URL url : Collections.list(PropertyDescriptions.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				for (JsonNode property : JsonMapper.builder().build().readTree(in).path("properties")) {
					String name = property.path("name").asString();
					if (name.startsWith(prefix)) {
						descriptions.put(name, property.path("description").asString(""));
					}
				}
			}
		}
		return descriptions;
	}

}
