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

import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;
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
		// The embeddings endpoint's policy: one model family, one vector size on both
		// targets.
		ResolvedPolicy embeddings = this.context.getBean(LlmPolicies.class).get("embeddings");
		assertThat(embeddings.type()).isEqualTo(PolicyType.EMBEDDINGS);
		assertThat(embeddings.targets()).extracting(Target::model)
			.containsExactly("text-embedding-3-small", "text-embedding-3-small");
		assertThat(embeddings.embeddings().dimensions()).containsExactly(256, 256);
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
