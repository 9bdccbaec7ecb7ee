package io.github.llmresilience.actuate;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmresilience.autoconfigure.LlmEndpointAutoConfiguration;
import io.github.llmresilience.autoconfigure.LlmHealthContributorAutoConfiguration;
import io.github.llmresilience.behaviour.SwitchedOff;
import io.github.llmresilience.behaviour.SwitchedOffTests;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.Target;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static org.assertj.core.api.Assertions.assertThat;

class LlmHealthIndicatorTests implements SwitchedOffTests {

	private final ApplicationContextRunner runner = llmResilience(LlmEndpointAutoConfiguration.class,
			LlmHealthContributorAutoConfiguration.class)
		.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
				"llm.providers.backup.base-url=http://127.0.0.1:9/backup", "llm.policies.default.provider=openai",
				"llm.policies.default.model=gpt-4o", "llm.policies.default.fallbacks[0].provider=backup",
				"llm.policies.default.fallbacks[0].model=claude", "llm.policies.solo.provider=openai",
				"llm.policies.solo.model=gpt-4o", "management.endpoints.web.exposure.include=llm");

	@ParameterizedTest
	@ValueSource(strings = { "llmHealthIndicator", "llmHealthContributor" })
	void backsOffFromTheApplicationsOwnContributorUnderEitherName(String name) {
		HealthIndicator own = () -> Health.up().withDetail("own", true).build();
		this.runner.withBean(name, HealthIndicator.class, () -> own)
			.run((context) -> assertThat(context).doesNotHaveBean(LlmHealthIndicator.class)
				.getBean(name)
				.isSameAs(own));
	}

	private static void open(TargetResilience resilience, String provider, String model) {
		resilience.circuitBreaker(new Target(provider, model)).transitionToOpenState();
	}

	@Test
	void staysUpWhenEveryTargetOfAPolicyIsOpenUnlessAskedToFail() {
		this.runner.run((context) -> {
			open(context.getBean(TargetResilience.class), "openai", "gpt-4o");
			var health = context.getBean(LlmHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsKey("unavailablePolicies");
		});
	}

	@Test
	void reportsDownWhenAskedToAndEveryTargetOfSomePolicyIsOpen() {
		this.runner.withPropertyValues("llm.health.fail-when-unavailable=true").run((context) -> {
			LlmHealthIndicator indicator = context.getBean(LlmHealthIndicator.class);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
			open(context.getBean(TargetResilience.class), "backup", "claude");
			assertThat(indicator.health().getStatus()).as("the primary still serves every policy").isEqualTo(Status.UP);
			open(context.getBean(TargetResilience.class), "openai", "gpt-4o");
			assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
			assertThat(indicator.health().getDetails().get("unavailablePolicies").toString()).contains("default",
					"solo");
		});
	}

	@Override
	public List<SwitchedOff> switchesOff() {
		return List.of(
				SwitchedOff.byProperty(this.runner, "management.health.llm.enabled=false", LlmHealthIndicator.class),
				SwitchedOff.without(this.runner, List.of(Endpoint.class, HealthIndicator.class), LlmEndpoint.class,
						LlmHealthIndicator.class));
	}

	@Test
	void endpointExistsOnlyWhenExposed() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(LlmEndpoint.class));
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmEndpoint.class));
	}

}
