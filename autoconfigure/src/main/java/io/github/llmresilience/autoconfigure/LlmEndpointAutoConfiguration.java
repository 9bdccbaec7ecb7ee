package io.github.llmresilience.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.llmresilience.actuate.LlmEndpoint;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.support.EngineTime;
import io.github.llmresilience.policy.LlmPolicies;

/**
 * The {@code llm} actuator endpoint, when actuator is present and the endpoint is
 * exposed.
 */
@AutoConfiguration(after = LlmResilienceAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(TargetResilience.class)
@ConditionalOnAvailableEndpoint(LlmEndpoint.class)
public final class LlmEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LlmEndpoint llmEndpoint(LlmPolicies policies, TargetResilience resilience, ProviderClients clients,
			ObjectProvider<Pacing> pacing, ObjectProvider<EngineTime> time) {
		EngineTime engineTime = time.getIfAvailable();
		return new LlmEndpoint(policies, resilience, clients, pacing.getIfAvailable(() -> Pacing.NONE),
				(engineTime != null) ? engineTime.clock() : java.time.Clock.systemUTC());
	}

}
