package io.github.llmresilience.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Every resolved policy, and the circuit breaker settings of every target they use.
 */
public final class LlmPolicies {

	/**
	 * The name of the policy that serves calls naming no policy.
	 */
	public static final String DEFAULT = "default";

	private final Map<String, ResolvedPolicy> policies;

	private final Map<Target, CircuitBreakerSettings> circuitBreakers;

	/**
	 * Create the policies.
	 * @param policies the policies by name
	 * @param circuitBreakers the circuit breaker settings of every target
	 */
	public LlmPolicies(Map<String, ResolvedPolicy> policies, Map<Target, CircuitBreakerSettings> circuitBreakers) {
		this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
		this.circuitBreakers = Collections.unmodifiableMap(new LinkedHashMap<>(circuitBreakers));
	}

	/**
	 * Return a policy.
	 * @param name the policy's name, or {@code null} or empty for {@code default}
	 * @return the policy
	 * @throws IllegalStateException if there is no such policy, naming the property to
	 * add
	 */
	public ResolvedPolicy get(@Nullable String name) {
		String key = (name == null || name.isEmpty()) ? DEFAULT : name;
		ResolvedPolicy policy = this.policies.get(key);
		if (policy == null) {
			throw new IllegalStateException(missing(key));
		}
		return policy;
	}

	/**
	 * Return whether a policy exists.
	 * @param name the policy's name, or {@code null} or empty for {@code default}
	 * @return whether it exists
	 */
	public boolean contains(@Nullable String name) {
		return this.policies.containsKey((name == null || name.isEmpty()) ? DEFAULT : name);
	}

	/**
	 * Return the message that explains a missing policy.
	 * @param name the policy's name
	 * @return the message
	 */
	public String missing(String name) {
		return "No policy named '" + name + "': " + howToAdd(name);
	}

	/**
	 * Return what to write so that a missing policy exists.
	 * @param name the policy's name
	 * @return the advice, starting in lower case
	 */
	public String howToAdd(String name) {
		String add = "add llm.policies." + name + " (with its provider and model)";
		if (DEFAULT.equals(name)) {
			return add + " for calls that name no policy, or name one of " + this.policies.keySet();
		}
		return add + " or use one of " + this.policies.keySet();
	}

	/**
	 * Return every policy by name.
	 * @return the policies
	 */
	public Map<String, ResolvedPolicy> all() {
		return this.policies;
	}

	/**
	 * Return the circuit breaker settings of every target used by some policy.
	 * @return the settings by target
	 */
	public Map<Target, CircuitBreakerSettings> circuitBreakers() {
		return this.circuitBreakers;
	}

}
