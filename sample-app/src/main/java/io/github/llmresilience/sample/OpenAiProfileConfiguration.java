package io.github.llmresilience.sample;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Profile {@code openai} calls OpenAI, so it needs a key: without {@code OPENAI_API_KEY}
 * the application stops at start-up and says so, instead of sending requests that fail
 * with 401.
 */
@Configuration(proxyBeanMethods = false)
@Profile("openai")
class OpenAiProfileConfiguration {

	static final String API_KEY = "llm.providers.openai.api-key";

	OpenAiProfileConfiguration(Environment environment) {
		String key = environment.getProperty(API_KEY);
		if (!StringUtils.hasText(key)) {
			throw new InvalidConfigurationPropertyValueException(API_KEY, key,
					"Profile 'openai' calls OpenAI: set the environment variable OPENAI_API_KEY to your API key");
		}
	}

}
