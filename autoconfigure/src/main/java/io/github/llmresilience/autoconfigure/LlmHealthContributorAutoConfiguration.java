package io.github.llmresilience.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import io.github.llmresilience.actuate.LlmHealthIndicator;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.shared.SharedState;

/**
 * The {@code llm} health contributor, when Spring Boot's health support is present and
 * {@code management.health.llm.enabled} is not {@code false}.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(TargetResilience.class)
@ConditionalOnEnabledHealthIndicator("llm")
public final class LlmHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = { "llmHealthIndicator", "llmHealthContributor" })
	LlmHealthIndicator llmHealthIndicator(LlmPolicies policies, TargetResilience resilience, LlmProperties properties,
			ObjectProvider<SharedState> sharedState) {
		return new LlmHealthIndicator(policies, resilience, properties.getHealth().isFailWhenUnavailable(),
				sharedState.getIfAvailable());
	}

}
