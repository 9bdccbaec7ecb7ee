package io.github.llmresilience.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

import io.github.llmresilience.client.ProviderClients;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm.providers.<name>.max-response-size}: 16MB by default, set per provider, and
 * a value that is not positive or does not fit stops the start with a message naming the
 * property.
 */
class MaxResponseSizeConfigurationTests {

	private final ApplicationContextRunner runner = llmResilience().withPropertyValues(
			"llm.providers.openai.base-url=https://api.openai.com/v1",
			"llm.providers.local.base-url=http://localhost:11434/v1", "llm.policies.default.provider=openai",
			"llm.policies.default.model=gpt-4o-mini");

	@Test
	void sixteenMegabytesByDefaultAndAnotherSizePerProvider() {
		this.runner.withPropertyValues("llm.providers.local.max-response-size=64MB").run((context) -> {
			ProviderClients clients = context.getBean(ProviderClients.class);
			assertThat(clients.get("openai").settings().maxResponseSize()).isEqualTo(DataSize.ofMegabytes(16));
			assertThat(clients.get("local").settings().maxResponseSize()).isEqualTo(DataSize.ofMegabytes(64));
		});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "0", "0B", "-1MB", "3GB" })
	void aSizeThatIsNotPositiveOrDoesNotFitStopsTheStart(String size) {
		this.runner.withPropertyValues("llm.providers.local.max-response-size=" + size).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			while (failure != null && !(failure instanceof InvalidConfigurationPropertyValueException)) {
				failure = failure.getCause();
			}
			assertThat(failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
			InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) failure;
			assertThat(invalid.getName()).isEqualTo("llm.providers.local.max-response-size");
			assertThat(invalid.getReason()).contains("16MB");
		});
	}

}
