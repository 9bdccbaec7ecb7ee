package io.github.llmresilience.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.autoconfigure.LlmProperties.CircuitBreaker;
import io.github.llmresilience.autoconfigure.LlmProperties.Hedge;
import io.github.llmresilience.autoconfigure.LlmProperties.Policy;
import io.github.llmresilience.autoconfigure.LlmProperties.Provider;
import io.github.llmresilience.autoconfigure.LlmProperties.Retry;
import io.github.llmresilience.client.ProviderSettings;
import io.github.llmresilience.pacing.ProviderConcurrency;
import io.github.llmresilience.pacing.ProviderPacing;
import io.github.llmresilience.pacing.RetryBudgetSettings;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.EmbeddingSettings;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;
import io.github.llmresilience.policy.WhenAllUnavailable;
import io.github.llmresilience.shared.SharedStateSettings;

/**
 * Validates {@link LlmProperties} and merges {@code llm.defaults} into every provider and
 * policy, once, at start-up. A bad value fails with an
 * {@link InvalidConfigurationPropertyValueException} that names the property and says
 * what to write instead.
 */
final class LlmConfigurationResolver {

	private static final Pattern NAME = Pattern.compile("[a-z0-9-]+");

	private static final Pattern KEY_PREFIX = Pattern.compile("[^\\s*?\\[\\]\\\\]+");

	private LlmConfigurationResolver() {
	}

	/**
	 * Validate and resolve the configuration.
	 * @param properties the bound properties
	 * @param binder the binder of the environment, to find keys the properties do not
	 * bind, or {@code null}
	 * @return the resolved settings
	 * @throws InvalidConfigurationPropertyValueException if a value is invalid
	 */
	static LlmSettings resolve(LlmProperties properties, @Nullable Binder binder) {
		List<ProviderSettings> providers = new ArrayList<>();
		properties.getProviders().forEach((name, provider) -> providers.add(provider(name, provider)));
		LlmProperties.RetryBudget defaultBudget = PropertyLayers.layer(properties.getDefaults().getRetryBudget(),
				LlmProperties.RetryBudget.defaults(), new LlmProperties.RetryBudget());
		validateRetryBudget("llm.defaults.retry-budget", defaultBudget);
		List<ProviderConcurrency> concurrency = new ArrayList<>();
		properties.getProviders().forEach((name, provider) -> concurrency.add(concurrency(name, provider)));
		Retry defaultRetry = PropertyLayers.layer(properties.getDefaults().getRetry(), Retry.defaults(), new Retry());
		validateRetry("llm.defaults.retry", retrySettings(defaultRetry));
		CircuitBreaker defaultCircuitBreaker = PropertyLayers.layer(properties.getDefaults().getCircuitBreaker(),
				CircuitBreaker.defaults(), new CircuitBreaker());
		validateCircuitBreaker("llm.defaults.circuit-breaker", defaultCircuitBreaker);
		Hedge defaultHedge = PropertyLayers.layer(properties.getDefaults().getHedge(), Hedge.defaults(), new Hedge());
		positive("llm.defaults.hedge.delay", defaultHedge.getDelay());
		Map<String, ResolvedPolicy> policies = new LinkedHashMap<>();
		Map<Target, CircuitBreakerSettings> circuitBreakers = new LinkedHashMap<>();
		properties.getPolicies().forEach((name, policy) -> {
			ResolvedPolicy resolved = policy(name, policy, properties, defaultRetry, defaultHedge, binder);
			policies.put(name, resolved);
			for (Target target : resolved.allTargets()) {
				circuitBreakers
					.computeIfAbsent(target,
							(key) -> circuitBreakerSettings(PropertyLayers.layer(
									configuredProvider(properties, key.provider()).getCircuitBreaker(),
									defaultCircuitBreaker, new CircuitBreaker())));
			}
		});
		Map<String, Map<String, Long>> maxInputTokens = maxInputTokens(properties);
		List<ProviderPacing> pacing = new ArrayList<>();
		properties.getProviders()
			.forEach((name, provider) -> pacing
				.add(pacing(name, provider, defaultBudget, maxInputTokens.getOrDefault(name, Map.of()))));
		sharedState(properties.getSharedState());
		return new LlmSettings(providers, new LlmPolicies(policies, circuitBreakers), pacing, concurrency);
	}

	/**
	 * Validate and resolve {@code llm.shared-state}.
	 * @param sharedState the bound properties
	 * @return the resolved settings
	 * @throws InvalidConfigurationPropertyValueException if a value is invalid
	 */
	static SharedStateSettings sharedState(LlmProperties.SharedState sharedState) {
		String keyPrefix = sharedState.getKeyPrefix();
		if (keyPrefix == null || keyPrefix.isEmpty() || !KEY_PREFIX.matcher(keyPrefix).matches()) {
			throw new InvalidConfigurationPropertyValueException("llm.shared-state.key-prefix", keyPrefix,
					"The prefix of the Redis keys needs at least one character and no spaces or glob characters "
							+ "(* ? [ ] \\), such as 'llm' or 'orders:llm'");
		}
		positive("llm.shared-state.timeout", sharedState.getTimeout());
		return new SharedStateSettings(keyPrefix, sharedState.getTimeout());
	}

	private static ProviderSettings provider(String name, Provider provider) {
		String prefix = "llm.providers." + name;
		checkName(prefix, name, "provider");
		URI baseUrl = baseUrl(prefix + ".base-url", provider.getBaseUrl());
		String apiKey = provider.getApiKey();
		if (apiKey != null && apiKey.contains("${")) {
			// An environment variable that is not set leaves the placeholder as the
			// value.
			throw new InvalidConfigurationPropertyValueException(prefix + ".api-key", apiKey,
					"The key is a placeholder that nothing resolved: set the environment variable or property it "
							+ "names, or give it an empty default (such as ${OPENAI_API_KEY:}) to send no key");
		}
		String authHeader = provider.getAuthHeader();
		if (authHeader == null || authHeader.isBlank()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".auth-header", authHeader,
					"The header that carries the API key needs a name, such as 'Authorization' or 'api-key'");
		}
		for (String header : provider.getHeaders().keySet()) {
			if (header.equalsIgnoreCase(authHeader)) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".headers." + header, "(hidden)",
						"'" + header + "' is the authentication header: set " + prefix
								+ ".api-key instead (and auth-header to choose the header)");
			}
		}
		positive(prefix + ".connect-timeout", provider.getConnectTimeout());
		positive(prefix + ".read-timeout", provider.getReadTimeout());
		positive(prefix + ".first-chunk-timeout", provider.getFirstChunkTimeout());
		positive(prefix + ".stream-idle-timeout", provider.getStreamIdleTimeout());
		positive(prefix + ".pending-acquire-timeout", provider.getPendingAcquireTimeout());
		if (provider.getMaxConnections() < 1) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-connections",
					provider.getMaxConnections(),
					"The connection pool needs at least 1 connection: set the most requests the provider accepts at "
							+ "once (GitHub Models: 8), or leave it out for 500");
		}
		DataSize maxResponseSize = provider.getMaxResponseSize();
		if (maxResponseSize.toBytes() < 1 || maxResponseSize.toBytes() > Integer.MAX_VALUE) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-response-size", maxResponseSize,
					"The largest answer accepted must be positive and at most 2GB, such as 16MB");
		}
		validateCircuitBreaker(prefix + ".circuit-breaker", provider.getCircuitBreaker());
		if (provider.getMaxInputsPerRequest() < 1) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-inputs-per-request",
					provider.getMaxInputsPerRequest(), "One embeddings request carries at least 1 input, such as 2048");
		}
		if (provider.getMaxTokensPerRequest() < 1) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-tokens-per-request",
					provider.getMaxTokensPerRequest(),
					"One embeddings request carries at least 1 token, such as 300000 (OpenAI's limit)");
		}
		return new ProviderSettings(name, baseUrl, apiKey, authHeader, provider.getQueryParams(), provider.getHeaders(),
				provider.getConnectTimeout(), provider.getReadTimeout(), provider.getFirstChunkTimeout(),
				provider.getStreamIdleTimeout(), provider.getMaxConnections(), provider.getPendingAcquireTimeout(),
				maxResponseSize);
	}

	private static URI baseUrl(String property, @Nullable String value) {
		if (value == null || value.isBlank()) {
			throw new InvalidConfigurationPropertyValueException(property, value,
					"Every provider needs the base URL of its OpenAI-compatible API, such as "
							+ "https://api.openai.com/v1 ('/chat/completions' is appended)");
		}
		try {
			URI uri = new URI(value.trim());
			String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
			if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
				throw new URISyntaxException(value, "not an absolute http(s) URL");
			}
			return uri;
		}
		catch (URISyntaxException ex) {
			throw new InvalidConfigurationPropertyValueException(property, value,
					"The base URL must be an absolute http:// or https:// URL, such as https://api.openai.com/v1");
		}
	}

	private static ResolvedPolicy policy(String name, Policy policy, LlmProperties properties, Retry defaultRetry,
			Hedge defaultHedge, @Nullable Binder binder) {
		String prefix = "llm.policies." + name;
		checkName(prefix, name, "policy");
		if (binder != null
				&& binder.bind(prefix + ".circuit-breaker", Bindable.mapOf(String.class, Object.class)).isBound()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".circuit-breaker", "(set)",
					"Circuit breakers belong to targets, which policies share, not to policies: move these settings "
							+ "to llm.defaults.circuit-breaker (every target) or "
							+ "llm.providers.<name>.circuit-breaker (one provider's targets)");
		}
		List<TargetSlot> slots = new ArrayList<>();
		slots.add(slot(prefix, 0, policy, properties, binder));
		for (int i = 0; i < policy.getFallbacks().size(); i++) {
			slots.add(slot(prefix + ".fallbacks[" + i + "]", i + 1, policy.getFallbacks().get(i), properties, binder));
		}
		RetrySettings retry = retrySettings(PropertyLayers.layer(policy.getRetry(), defaultRetry, new Retry()));
		validateRetry(prefix + ".retry", retry);
		Set<FailureKind> fallbackOn = (policy.getFallbackOn() != null) ? policy.getFallbackOn()
				: properties.getDefaults().getFallbackOn();
		if (fallbackOn.contains(FailureKind.SHUTDOWN)) {
			throw new InvalidConfigurationPropertyValueException(
					(policy.getFallbackOn() != null) ? prefix + ".fallback-on" : "llm.defaults.fallback-on",
					fallbackOn.toString(), "A call ended by the application's shutdown never falls back: remove "
							+ FailureKind.SHUTDOWN.value() + " from the list");
		}
		if (policy.getDeadline() != null) {
			positive(prefix + ".deadline", policy.getDeadline());
		}
		// A hedge to the next target may go to another member of a pool.
		int hedgeTargets = Math.max(slots.size(), slots.get(0).members().size());
		HedgeSettings hedge = hedgeSettings(prefix + ".hedge", policy.getHedge(), defaultHedge, hedgeTargets);
		EmbeddingSettings embeddings = embeddingSettings(prefix, policy, slots, properties);
		List<Target> onContextLength = kindChain(prefix + ".on-context-length", policy.getOnContextLength(),
				properties);
		List<Target> onContentFilter = kindChain(prefix + ".on-content-filter", policy.getOnContentFilter(),
				properties);
		if (embeddings != null && !(onContextLength.isEmpty() && onContentFilter.isEmpty())) {
			String property = prefix + (onContextLength.isEmpty() ? ".on-content-filter" : ".on-context-length");
			throw new InvalidConfigurationPropertyValueException(property, "(set)",
					"Per-kind chains serve chat policies; an embeddings policy splits long inputs into requests of "
							+ "max-tokens-per-request and takes its targets from fallbacks: remove " + property);
		}
		WhenAllUnavailable whenAllUnavailable = (policy.getWhenAllUnavailable() != null)
				? policy.getWhenAllUnavailable() : properties.getDefaults().getWhenAllUnavailable();
		return new ResolvedPolicy(name, slots, retry, fallbackOn, policy.getDeadline(), hedge, embeddings,
				whenAllUnavailable, onContextLength, onContentFilter);
	}

	/**
	 * Resolve a per-kind chain ({@code on-context-length}, {@code on-content-filter}),
	 * checked as the fallbacks are.
	 */
	private static List<Target> kindChain(String prefix, List<LlmProperties.Target> entries, LlmProperties properties) {
		List<Target> chain = new ArrayList<>();
		for (int i = 0; i < entries.size(); i++) {
			LlmProperties.Target entry = entries.get(i);
			chain.add(target(prefix + "[" + i + "]", entry.getProvider(), entry.getModel(), properties));
		}
		return chain;
	}

	/**
	 * Collect the {@code max-input-tokens} of every target slot, by provider and model;
	 * two slots of one model that differ keep the smaller.
	 */
	private static Map<String, Map<String, Long>> maxInputTokens(LlmProperties properties) {
		Map<String, Map<String, Long>> all = new LinkedHashMap<>();
		properties.getPolicies().forEach((name, policy) -> {
			String prefix = "llm.policies." + name;
			maxInputTokens(all, prefix, policy, properties);
			poolMaxInputTokens(all, prefix + ".pool", policy.getPool(), properties);
			for (int i = 0; i < policy.getFallbacks().size(); i++) {
				poolMaxInputTokens(all, prefix + ".fallbacks[" + i + "].pool", policy.getFallbacks().get(i).getPool(),
						properties);
			}
			List<List<? extends LlmProperties.Target>> lists = List.of(policy.getFallbacks(),
					policy.getOnContextLength(), policy.getOnContentFilter());
			List<String> names = List.of(".fallbacks", ".on-context-length", ".on-content-filter");
			for (int l = 0; l < lists.size(); l++) {
				for (int i = 0; i < lists.get(l).size(); i++) {
					maxInputTokens(all, prefix + names.get(l) + "[" + i + "]", lists.get(l).get(i), properties);
				}
			}
		});
		return all;
	}

	private static void poolMaxInputTokens(Map<String, Map<String, Long>> all, String prefix, LlmProperties.Pool pool,
			LlmProperties properties) {
		for (int i = 0; i < pool.getMembers().size(); i++) {
			maxInputTokens(all, prefix + ".members[" + i + "]", pool.getMembers().get(i), properties);
		}
	}

	private static void maxInputTokens(Map<String, Map<String, Long>> all, String prefix, LlmProperties.Target entry,
			LlmProperties properties) {
		Long maxInputTokens = entry.getMaxInputTokens();
		if (maxInputTokens == null) {
			return;
		}
		if (maxInputTokens < 1) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-input-tokens", maxInputTokens,
					"The largest prompt a target takes is a positive number of tokens, such as 128000");
		}
		Target target = target(prefix, entry.getProvider(), entry.getModel(), properties);
		all.computeIfAbsent(target.provider(), (key) -> new LinkedHashMap<>())
			.merge(target.model(), maxInputTokens, Math::min);
	}

	/**
	 * Resolve one slot of a policy's chain: a single target, or a pool of members in its
	 * place.
	 */
	private static TargetSlot slot(String prefix, int index, LlmProperties.Slot slot, LlmProperties properties,
			@Nullable Binder binder) {
		String provider = slot.getProvider();
		String model = slot.getModel();
		LlmProperties.Pool pool = slot.getPool();
		boolean poolSet = !pool.getMembers().isEmpty() || (binder != null
				&& binder.bind(prefix + ".pool", Bindable.mapOf(String.class, Object.class)).isBound());
		if (!poolSet) {
			return TargetSlot.single(index, target(prefix, provider, model, properties));
		}
		String poolPrefix = prefix + ".pool";
		Integer dimensions = slot.getDimensions();
		String[][] beside = { { "provider", provider }, { "model", model }, { "model-family", slot.getModelFamily() },
				{ "dimensions", (dimensions != null) ? dimensions.toString() : null } };
		for (String[] property : beside) {
			if (property[1] != null) {
				throw new InvalidConfigurationPropertyValueException(prefix + "." + property[0], property[1],
						"A target slot is either one provider and model or a pool, not both: remove " + prefix + "."
								+ property[0] + ", or remove " + poolPrefix + " (set " + property[0] + " on each of "
								+ poolPrefix + ".members instead)");
			}
		}
		List<LlmProperties.Member> configured = pool.getMembers();
		if (configured.isEmpty()) {
			throw new InvalidConfigurationPropertyValueException(poolPrefix + ".members", "[]",
					"A pool needs at least one member: add " + poolPrefix + ".members[0].provider and " + poolPrefix
							+ ".members[0].model (and more members), or remove " + poolPrefix);
		}
		List<PoolMember> members = new ArrayList<>();
		Map<Target, Integer> seen = new LinkedHashMap<>();
		for (int i = 0; i < configured.size(); i++) {
			LlmProperties.Member member = configured.get(i);
			String memberPrefix = poolPrefix + ".members[" + i + "]";
			Target target = target(memberPrefix, member.getProvider(), member.getModel(), properties);
			Integer twice = seen.putIfAbsent(target, i);
			if (twice != null) {
				throw new InvalidConfigurationPropertyValueException(memberPrefix, target.name(),
						"The pool lists " + target + " twice (members[" + twice + "] and members[" + i
								+ "]): list each provider and model once, and give it a larger weight for a "
								+ "larger share");
			}
			if (member.getWeight() <= 0) {
				throw new InvalidConfigurationPropertyValueException(memberPrefix + ".weight", member.getWeight(),
						"A member's weight is its share of the traffic against the other members of its tier: a "
								+ "whole number of 1 or more, such as 1 or 2 (remove the member to send it nothing)");
			}
			if (member.getTier() < 0) {
				throw new InvalidConfigurationPropertyValueException(memberPrefix + ".tier", member.getTier(),
						"Tiers count from 0 (served first) up: use 0, or 1 for a member used while every tier-0 "
								+ "member is out");
			}
			String family = (member.getModelFamily() != null) ? member.getModelFamily() : target.model();
			members.add(new PoolMember(target, member.getWeight(), member.getTier(), family, member.getDimensions()));
		}
		if (!pool.isAllowMixedModels()) {
			String first = members.get(0).modelFamily();
			for (int i = 1; i < members.size(); i++) {
				if (!members.get(i).modelFamily().equals(first)) {
					throw new InvalidConfigurationPropertyValueException(
							poolPrefix + ".members[" + i + "].model-family", members.get(i).modelFamily(),
							"The members of a pool serve the same model, and this member's model family differs "
									+ "from members[0]'s ('" + first + "'): set model-family on both if they are "
									+ "the same model under two names (Azure deployments), or set " + poolPrefix
									+ ".allow-mixed-models to true");
				}
			}
		}
		return new TargetSlot(TargetSlot.name(index), members,
				new TargetSlot.PoolSettings(pool.getStrategy(), pool.isSticky()));
	}

	/**
	 * Check what an embeddings policy adds: vectors of two models do not mix, so its
	 * targets must share a model family and dimensions unless the policy allows mixed
	 * models; and a chat policy takes none of it.
	 */
	private static @Nullable EmbeddingSettings embeddingSettings(String prefix, Policy policy, List<TargetSlot> slots,
			LlmProperties properties) {
		// Every single target and every member of a pool, each with the property
		// prefix that sets it.
		List<String> slotNames = new ArrayList<>();
		List<@Nullable Integer> dimensions = new ArrayList<>();
		List<String> families = new ArrayList<>();
		List<@Nullable Integer> slotDimensions = new ArrayList<>();
		for (int index = 0; index < slots.size(); index++) {
			TargetSlot slot = slots.get(index);
			String slotPrefix = (index == 0) ? prefix : prefix + ".fallbacks[" + (index - 1) + "]";
			if (slot.isPool()) {
				slotDimensions.add(null);
				for (int i = 0; i < slot.members().size(); i++) {
					PoolMember member = slot.members().get(i);
					slotNames.add(slotPrefix + ".pool.members[" + i + "]");
					dimensions.add(member.dimensions());
					families.add(member.modelFamily());
				}
				continue;
			}
			Integer size = (index == 0) ? policy.getDimensions() : policy.getFallbacks().get(index - 1).getDimensions();
			String family = (index == 0) ? policy.getModelFamily()
					: policy.getFallbacks().get(index - 1).getModelFamily();
			slotNames.add(slotPrefix);
			dimensions.add(size);
			families.add((family != null) ? family : slot.target().model());
			slotDimensions.add(size);
		}
		for (int i = 0; i < slotNames.size(); i++) {
			Integer size = dimensions.get(i);
			if (size == null) {
				continue;
			}
			if (policy.getType() != PolicyType.EMBEDDINGS) {
				throw new InvalidConfigurationPropertyValueException(slotNames.get(i) + ".dimensions", size,
						"Only an embeddings policy asks for a vector size: remove it, or set " + prefix
								+ ".type to embeddings");
			}
			if (size < 1) {
				throw new InvalidConfigurationPropertyValueException(slotNames.get(i) + ".dimensions", size,
						"The vector size is a positive number of dimensions, such as 1536 or 256");
			}
		}
		if (policy.getType() != PolicyType.EMBEDDINGS) {
			return null;
		}
		if (policy.getMaxConcurrentBatches() < 1) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-concurrent-batches",
					policy.getMaxConcurrentBatches(), "At least 1 batch of a call is in flight, such as 4");
		}
		if (!policy.isAllowMixedModels()) {
			for (int i = 1; i < slotNames.size(); i++) {
				if (!families.get(i).equals(families.get(0))) {
					throw new InvalidConfigurationPropertyValueException(slotNames.get(i) + ".model-family",
							families.get(i),
							"Vectors of different models do not mix, and this target's model family differs from the "
									+ "primary's ('" + families.get(0) + "'): give the same model, set model-family "
									+ "on both if they are the same model under two names (Azure deployments), or set "
									+ prefix + ".allow-mixed-models to true");
				}
				if (!Objects.equals(dimensions.get(i), dimensions.get(0))) {
					throw new InvalidConfigurationPropertyValueException(slotNames.get(i) + ".dimensions",
							dimensions.get(i),
							"Vectors of different sizes do not mix, and this target's dimensions differ from the "
									+ "primary's (" + dimensions.get(0) + "): set the same dimensions on every target, "
									+ "or set " + prefix + ".allow-mixed-models to true");
				}
			}
		}
		int maxInputs = Integer.MAX_VALUE;
		long maxTokens = Long.MAX_VALUE;
		for (TargetSlot slot : slots) {
			for (Target target : slot.targets()) {
				Provider provider = configuredProvider(properties, target.provider());
				maxInputs = Math.min(maxInputs, provider.getMaxInputsPerRequest());
				maxTokens = Math.min(maxTokens, provider.getMaxTokensPerRequest());
			}
		}
		return new EmbeddingSettings(slotDimensions, maxInputs, maxTokens, policy.getMaxConcurrentBatches(),
				policy.isAllowMixedModels());
	}

	/**
	 * Merge a policy's hedge settings with the defaults and check them: a hedge to the
	 * next target needs a policy that has one.
	 */
	private static HedgeSettings hedgeSettings(String prefix, Hedge own, Hedge defaults, int targets) {
		Hedge merged = PropertyLayers.layer(own, defaults, new Hedge());
		positive(prefix + ".delay", mergedValue(merged.getDelay()));
		boolean enabled = Boolean.TRUE.equals(merged.getEnabled());
		HedgeTarget target = (merged.getTarget() != null) ? merged.getTarget() : HedgeTarget.NEXT;
		if (enabled && target == HedgeTarget.NEXT && targets < 2) {
			String policy = prefix.substring(0, prefix.length() - ".hedge".length());
			String inherited = (own.getEnabled() == null)
					? " (hedging is on for every policy through " + "llm.defaults.hedge.enabled)" : "";
			throw new InvalidConfigurationPropertyValueException(prefix + ".enabled", true,
					"The hedge goes to the policy's next target (hedge.target: next), but this policy has no fallback"
							+ inherited + ": add a target under " + policy + ".fallbacks, set " + prefix
							+ ".target to same to hedge on the same target, or set " + prefix + ".enabled to false");
		}
		return new HedgeSettings(enabled, mergedValue(merged.getDelay()), target);
	}

	private static Target target(String prefix, @Nullable String provider, @Nullable String model,
			LlmProperties properties) {
		Set<String> providers = properties.getProviders().keySet();
		if (provider == null || provider.isBlank()) {
			if (providers.size() != 1) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".provider", provider,
						providers.isEmpty()
								? "No provider is configured: add one under llm.providers (with its base-url)"
								: "With more than one provider, name the one to use: one of " + providers);
			}
			provider = providers.iterator().next();
		}
		else if (!providers.contains(provider)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".provider", provider,
					"No provider named '" + provider + "' under llm.providers: use one of " + providers
							+ " or add llm.providers." + provider + ".base-url");
		}
		if (model == null || model.isBlank()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".model", model,
					"Every target needs the model to ask, such as gpt-4o-mini");
		}
		return new Target(provider, model);
	}

	/**
	 * Turn merged retry settings, every field set, into resolved ones.
	 */
	private static RetrySettings retrySettings(Retry retry) {
		return new RetrySettings(mergedValue(retry.getMaxAttempts()), mergedValue(retry.getMaxElapsed()),
				mergedValue(retry.getInitialBackoff()), mergedValue(retry.getMultiplier()),
				mergedValue(retry.getMaxBackoff()), mergedValue(retry.getJitter()),
				mergedValue(retry.getRetryOnStatus()), mergedValue(retry.getRetryOnTimeout()),
				mergedValue(retry.getRetryOnConnectionError()), mergedValue(retry.getRespectRetryAfter()),
				mergedValue(retry.getMaxRetryAfter()), mergedValue(retry.getRetryOnExceptions()));
	}

	/**
	 * A value of merged settings: the defaults set every field, so the merge of a section
	 * with them leaves none unset.
	 */
	private static <T> T mergedValue(@Nullable T value) {
		if (value == null) {
			throw new IllegalStateException("A merged setting is unset: the defaults set every field");
		}
		return value;
	}

	/**
	 * The provider a resolved target names: {@link #target} checked that it exists.
	 */
	private static Provider configuredProvider(LlmProperties properties, String name) {
		Provider provider = properties.getProviders().get(name);
		if (provider == null) {
			throw new IllegalStateException("No provider named '" + name + "' under llm.providers");
		}
		return provider;
	}

	private static void validateRetry(String prefix, RetrySettings retry) {
		if (retry.maxAttempts() < 1) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".max-attempts", retry.maxAttempts(),
					"At least 1 attempt per target is needed (1 means no retry)");
		}
		if (!(retry.multiplier() >= 1)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".multiplier", retry.multiplier(),
					"The multiplier must be 1 (constant waits) or more (growing waits)");
		}
		if (!(retry.jitter() >= 0 && retry.jitter() <= 1)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".jitter", retry.jitter(),
					"The jitter is a factor from 0 (exact waits) to 1 (anywhere from 0 to twice the wait)");
		}
		notNegative(prefix + ".max-elapsed", retry.maxElapsed());
		notNegative(prefix + ".initial-backoff", retry.initialBackoff());
		notNegative(prefix + ".max-backoff", retry.maxBackoff());
		notNegative(prefix + ".max-retry-after", retry.maxRetryAfter());
		for (Integer status : retry.retryOnStatus()) {
			if (status == null || status < 100 || status > 599) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".retry-on-status", status,
						"Statuses are HTTP codes from 100 to 599, such as 429 or 503");
			}
		}
	}

	private static void validateCircuitBreaker(String prefix, CircuitBreaker cb) {
		validateCircuitBreakerValues(prefix, cb.getFailureRateThreshold(), cb.getSlidingWindowSize(),
				cb.getMinimumNumberOfCalls(), cb.getWaitDurationInOpenState(), cb.getPermittedCallsInHalfOpenState());
	}

	private static void validateCircuitBreakerValues(String prefix, @Nullable Float failureRateThreshold,
			@Nullable Integer slidingWindowSize, @Nullable Integer minimumNumberOfCalls,
			@Nullable Duration waitDurationInOpenState, @Nullable Integer permittedCallsInHalfOpenState) {
		if (failureRateThreshold != null && !(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".failure-rate-threshold",
					failureRateThreshold, "The failure rate threshold is a percentage above 0 and at most 100");
		}
		atLeastOne(prefix + ".sliding-window-size", slidingWindowSize);
		atLeastOne(prefix + ".minimum-number-of-calls", minimumNumberOfCalls);
		atLeastOne(prefix + ".permitted-calls-in-half-open-state", permittedCallsInHalfOpenState);
		if (waitDurationInOpenState != null) {
			positive(prefix + ".wait-duration-in-open-state", waitDurationInOpenState);
		}
	}

	/**
	 * Turn merged circuit breaker settings, every field set, into resolved ones.
	 */
	private static CircuitBreakerSettings circuitBreakerSettings(CircuitBreaker cb) {
		return new CircuitBreakerSettings(mergedValue(cb.getEnabled()), mergedValue(cb.getFailureRateThreshold()),
				mergedValue(cb.getSlidingWindowSize()), mergedValue(cb.getMinimumNumberOfCalls()),
				mergedValue(cb.getWaitDurationInOpenState()), mergedValue(cb.getPermittedCallsInHalfOpenState()));
	}

	private static ProviderConcurrency concurrency(String name, Provider provider) {
		double batchShare = provider.getBatchShare();
		if (!(batchShare > 0 && batchShare <= 1)) {
			throw new InvalidConfigurationPropertyValueException("llm.providers." + name + ".batch-share", batchShare,
					"The share of max-connections that batch requests may hold is above 0 and at most 1, such as "
							+ "0.25 (a quarter of the connections) or 1 (no reserve for interactive requests)");
		}
		return new ProviderConcurrency(name, provider.getMaxConnections(), batchShare,
				provider.getPendingAcquireTimeout());
	}

	private static ProviderPacing pacing(String name, Provider provider, LlmProperties.RetryBudget defaultBudget,
			Map<String, Long> maxInputTokens) {
		String prefix = "llm.providers." + name;
		int requestsPerMinute = provider.getRateLimit().getRequestsPerMinute();
		if (requestsPerMinute < 0) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".rate-limit.requests-per-minute",
					requestsPerMinute, "The declared limit is a number of requests per minute, or 0 for none");
		}
		long tokensPerMinute = provider.getRateLimit().getTokensPerMinute();
		if (tokensPerMinute < 0) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".rate-limit.tokens-per-minute",
					tokensPerMinute, "The declared limit is a number of tokens per minute, or 0 for none");
		}
		long completionReserve = provider.getRateLimit().getCompletionReserve();
		if (completionReserve < 0) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".rate-limit.completion-reserve",
					completionReserve,
					"The tokens reserved for an answer of unbounded size are 0 or more, such as 1000");
		}
		LlmProperties.RetryBudget budget = PropertyLayers.layer(provider.getRetryBudget(), defaultBudget,
				new LlmProperties.RetryBudget());
		validateRetryBudget(prefix + ".retry-budget", budget);
		return new ProviderPacing(name, provider.isRateLimitHeaders(), requestsPerMinute,
				new RetryBudgetSettings(mergedValue(budget.getEnabled()), mergedValue(budget.getRatio()),
						mergedValue(budget.getWindow()), mergedValue(budget.getMinRetriesPerSecond())),
				tokensPerMinute, completionReserve, maxInputTokens, provider.getRateLimit().isReservations());
	}

	private static void validateRetryBudget(String prefix, LlmProperties.RetryBudget budget) {
		if (budget.getRatio() != null && !(budget.getRatio() >= 0)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".ratio", budget.getRatio(),
					"The ratio is the share of first requests that retries may add: 0 or more, such as 0.2");
		}
		if (budget.getMinRetriesPerSecond() != null && !(budget.getMinRetriesPerSecond() >= 0)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".min-retries-per-second",
					budget.getMinRetriesPerSecond(), "The floor of retries per second is 0 or more, such as 1.0");
		}
		if (budget.getWindow() != null) {
			positive(prefix + ".window", budget.getWindow());
		}
	}

	private static void checkName(String prefix, String name, String what) {
		if (!NAME.matcher(name).matches()) {
			throw new InvalidConfigurationPropertyValueException(prefix, name,
					"A " + what + " name may contain only lowercase letters, digits and '-', such as '"
							+ name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-") + "'");
		}
	}

	private static void atLeastOne(String property, @Nullable Integer value) {
		if (value != null && value < 1) {
			throw new InvalidConfigurationPropertyValueException(property, value, "The value must be 1 or more");
		}
	}

	private static void positive(String property, @Nullable Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new InvalidConfigurationPropertyValueException(property, value,
					"The duration must be positive, such as 500ms or 30s");
		}
	}

	private static void notNegative(String property, @Nullable Duration value) {
		if (value == null || value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(property, value,
					"The duration must not be negative, such as 0s, 500ms or 30s");
		}
	}

}
