package io.github.llmresilience.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;

import io.github.llmresilience.testkit.FakeLlmServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Profile {@code openai}: the real providers, keys from the environment, no demo server.
 * Nothing is sent: the tests only start the application.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE, properties = "OPENAI_API_KEY=sk-test")
@ActiveProfiles("openai")
class OpenAiProfileTests {

	@Autowired
	private ApplicationContext context;

	@Autowired
	private Environment environment;

	@Test
	void callsOpenAiWithTheKeyFromTheEnvironmentAndRunsNoDemoServer() {
		assertThat(this.context.getBeanNamesForType(FakeLlmServer.class)).isEmpty();
		assertThat(this.environment.getProperty("llm.providers.openai.base-url"))
			.isEqualTo("https://api.openai.com/v1");
		assertThat(this.environment.getProperty("llm.providers.openai.api-key")).isEqualTo("sk-test");
		assertThat(this.environment.getProperty("llm.providers.backup.base-url")).startsWith("https://");
	}

	@Test
	void withoutAKeyTheApplicationStopsAndSaysWhichVariableToSet() {
		SpringApplicationBuilder application = new SpringApplicationBuilder(SampleApplication.class)
			.web(WebApplicationType.NONE)
			.profiles("openai")
			.properties("OPENAI_API_KEY=");
		assertThatException().isThrownBy(application::run)
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("OPENAI_API_KEY");
	}

}
