package io.github.llmresilience.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.shared.SharedState;

/**
 * The {@code llm} health contributor: UP, with the circuit state of every target (and
 * until when an open one stays open). It reports DOWN only when asked to
 * ({@code llm.health.fail-when-unavailable}) and every target of some policy is open: an
 * outage that the fallbacks are handling must not take the application out of service.
 * With shared state ({@code llm.shared-state}), a {@code sharedState} detail says whether
 * Redis answers; Redis being down never makes it DOWN.
 */
public class LlmHealthIndicator implements HealthIndicator {

	private final LlmPolicies policies;

	private final TargetResilience resilience;

	private final boolean failWhenUnavailable;

	private final @Nullable SharedState sharedState;

	/**
	 * Create the health contributor.
	 * @param policies the policies
	 * @param resilience the circuit breakers
	 * @param failWhenUnavailable whether a policy without an available target means DOWN
	 */
	public LlmHealthIndicator(LlmPolicies policies, TargetResilience resilience, boolean failWhenUnavailable) {
		this(policies, resilience, failWhenUnavailable, null);
	}

	/**
	 * Create the health contributor.
	 * @param policies the policies
	 * @param resilience the circuit breakers
	 * @param failWhenUnavailable whether a policy without an available target means DOWN
	 * @param sharedState the state shared with the other instances, or {@code null} if
	 * none is
	 */
	public LlmHealthIndicator(LlmPolicies policies, TargetResilience resilience, boolean failWhenUnavailable,
			@Nullable SharedState sharedState) {
		this.policies = policies;
		this.resilience = resilience;
		this.failWhenUnavailable = failWhenUnavailable;
		this.sharedState = sharedState;
	}

	@Override
	public Health health() {
		Map<String, Map<String, Object>> targets = new LinkedHashMap<>();
		for (Target target : this.policies.circuitBreakers().keySet()) {
			Map<String, Object> details = new LinkedHashMap<>();
			CircuitBreaker circuitBreaker = this.resilience.circuitBreaker(target);
			details.put("state", (circuitBreaker != null) ? circuitBreaker.getState().name() : "NONE");
			var until = this.resilience.openUntil(target);
			if (until != null) {
				details.put("openUntil", until.toString());
			}
			targets.put(target.name(), details);
		}
		List<String> unavailable = new ArrayList<>();
		for (ResolvedPolicy policy : this.policies.all().values()) {
			if (policy.targets().stream().allMatch(this.resilience::isOpen)) {
				unavailable.add(policy.name());
			}
		}
		Health.Builder health = (this.failWhenUnavailable && !unavailable.isEmpty()) ? Health.down() : Health.up();
		health.withDetail("targets", targets);
		if (!unavailable.isEmpty()) {
			health.withDetail("unavailablePolicies", unavailable);
		}
		if (this.sharedState != null) {
			health.withDetail("sharedState", this.sharedState.details());
		}
		return health.build();
	}

}
