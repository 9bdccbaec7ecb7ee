package io.github.llmresilience.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.interceptor.LlmCallConfigurationException;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.ResolvedPolicy;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.causeOfType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Bad configuration fails the start with a message that names the property and says what
 * to write instead.
 */
class LlmConfigurationValidationTests {

	private final ApplicationContextRunner runner = llmResilience().withPropertyValues(
			"llm.providers.openai.base-url=https://api.openai.com/v1",
			"llm.providers.backup.base-url=https://openrouter.ai/api/v1", "llm.policies.default.provider=openai",
			"llm.policies.default.model=gpt-4o-mini");

	/**
	 * Spring Boot's own analyzer explains an
	 * {@link InvalidConfigurationPropertyValueException} with its name, value and reason.
	 */
	private InvalidConfigurationPropertyValueException failure(String... properties) {
		List<InvalidConfigurationPropertyValueException> found = new ArrayList<>();
		this.runner.withPropertyValues(properties)
			.run((context) -> found.add(causeOfType(context, InvalidConfigurationPropertyValueException.class)));
		return found.get(0);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', value = {
			"llm.policies.default.provider|nowhere|llm.policies.default.provider|use one of [openai, backup]",
			"llm.policies.default.fallbacks[0].provider|nowhere|llm.policies.default.fallbacks[0].provider|No provider named 'nowhere'",
			"llm.providers.broken.api-key|k|llm.providers.broken.base-url|base URL",
			"llm.providers.broken.base-url|ftp://example.com|llm.providers.broken.base-url|http:// or https://",
			"llm.providers.broken.base-url|not a url|llm.providers.broken.base-url|http:// or https://",
			"llm.providers.Bad_Name.base-url|https://x.example/v1|llm.providers.Bad_Name|lowercase letters, digits and '-'",
			"llm.policies.My_Policy.model|gpt-4o|llm.policies.My_Policy|lowercase letters, digits and '-'",
			"llm.defaults.retry.max-attempts|0|llm.defaults.retry.max-attempts|At least 1 attempt",
			"llm.policies.default.retry.max-attempts|0|llm.policies.default.retry.max-attempts|At least 1 attempt",
			"llm.policies.default.retry.multiplier|0.5|llm.policies.default.retry.multiplier|1 (constant waits) or more",
			"llm.defaults.retry.jitter|1.5|llm.defaults.retry.jitter|from 0",
			"llm.defaults.retry.initial-backoff|-1s|llm.defaults.retry.initial-backoff|must not be negative",
			"llm.policies.default.deadline|-5s|llm.policies.default.deadline|must be positive",
			"llm.providers.openai.read-timeout|0s|llm.providers.openai.read-timeout|must be positive",
			"llm.providers.openai.max-connections|0|llm.providers.openai.max-connections|at least 1",
			"llm.defaults.circuit-breaker.failure-rate-threshold|150|llm.defaults.circuit-breaker.failure-rate-threshold|percentage",
			"llm.providers.openai.circuit-breaker.sliding-window-size|0|llm.providers.openai.circuit-breaker.sliding-window-size|1 or more",
			"llm.defaults.retry.retry-on-status|99|llm.defaults.retry.retry-on-status|HTTP codes from 100 to 599",
			"llm.policies.default.model| |llm.policies.default.model|model to ask",
			"llm.providers.openai.headers.Authorization|Bearer x|llm.providers.openai.headers.Authorization|api-key instead",
			"llm.policies.default.circuit-breaker.wait-duration-in-open-state|10s|llm.policies.default.circuit-breaker|llm.defaults.circuit-breaker",
			"llm.policies.default.hedge.enabled|true|llm.policies.default.hedge.enabled|add a target under llm.policies.default.fallbacks",
			"llm.defaults.hedge.delay|0s|llm.defaults.hedge.delay|must be positive",
			"llm.policies.default.hedge.delay|-1s|llm.policies.default.hedge.delay|must be positive",
			"llm.policies.default.dimensions|256|llm.policies.default.dimensions|Only an embeddings policy",
			"llm.providers.openai.max-inputs-per-request|0|llm.providers.openai.max-inputs-per-request|at least 1 input",
			"llm.providers.openai.max-tokens-per-request|0|llm.providers.openai.max-tokens-per-request|at least 1 token" })
	void badValueFailsTheStartNamingThePropertyAndTheFix(String property, String value, String named, String fix) {
		InvalidConfigurationPropertyValueException failure = failure(property + "=" + ((value != null) ? value : ""));
		assertThat(failure.getName()).isEqualTo(named);
		assertThat(failure.getReason()).contains(fix);
		assertThat(failure.getMessage()).doesNotContain("Bearer x");
	}

	@Test
	void apiKeyLeftAsAnUnresolvedPlaceholderFailsTheStart() {
		InvalidConfigurationPropertyValueException failure = failure(
				"llm.providers.openai.api-key=${LLM_TEST_KEY_THAT_IS_NOT_SET}");
		assertThat(failure.getName()).isEqualTo("llm.providers.openai.api-key");
		assertThat(failure.getReason()).contains("set the environment variable").contains("empty default");
	}

	@Test
	void policyWithoutProviderWhenThereAreSeveralNamesTheChoices() {
		InvalidConfigurationPropertyValueException failure = failure("llm.policies.other.model=gpt-4o");
		assertThat(failure.getName()).isEqualTo("llm.policies.other.provider");
		assertThat(failure.getReason()).contains("[openai, backup]");
	}

	@Test
	void unknownEnumValueInFallbackOnIsRejectedByBinding() {
		this.runner.withPropertyValues("llm.defaults.fallback-on=rate-limited,sometimes")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void shutdownInFallbackOnFailsTheStartSayingItNeverFallsBack() {
		InvalidConfigurationPropertyValueException failure = failure("llm.defaults.fallback-on=rate-limited,shutdown");
		assertThat(failure.getName()).isEqualTo("llm.defaults.fallback-on");
		assertThat(failure.getReason()).contains("never falls back").contains("remove shutdown");
		InvalidConfigurationPropertyValueException policy = failure("llm.policies.summaries.provider=openai",
				"llm.policies.summaries.model=gpt-4o", "llm.policies.summaries.fallback-on=shutdown");
		assertThat(policy.getName()).isEqualTo("llm.policies.summaries.fallback-on");
	}

	@Test
	void policyFieldsLeftUnsetTakeTheDefaultsFieldByField() {
		this.runner
			.withPropertyValues("llm.defaults.retry.max-attempts=5", "llm.defaults.retry.initial-backoff=1s",
					"llm.policies.summaries.provider=openai", "llm.policies.summaries.model=gpt-4o",
					"llm.policies.summaries.retry.max-attempts=2", "llm.policies.summaries.fallback-on=rate-limited",
					"llm.policies.summaries.deadline=90s")
			.run((context) -> {
				LlmPolicies policies = context.getBean(LlmPolicies.class);
				ResolvedPolicy summaries = policies.get("summaries");
				assertThat(summaries.retry().maxAttempts()).isEqualTo(2);
				assertThat(summaries.retry().initialBackoff()).isEqualTo(Duration.ofSeconds(1));
				assertThat(summaries.fallbackOn()).containsExactly(FailureKind.RATE_LIMITED);
				assertThat(summaries.deadline()).isEqualTo(Duration.ofSeconds(90));
				ResolvedPolicy defaults = policies.get(null);
				assertThat(defaults.retry().maxAttempts()).isEqualTo(5);
				assertThat(defaults.deadline()).isNull();
				assertThat(defaults.fallbackOn()).contains(FailureKind.CIRCUIT_OPEN)
					.doesNotContain(FailureKind.BAD_REQUEST, FailureKind.CONTEXT_LENGTH);
			});
	}

	@Test
	void hedgingOnForEveryPolicyFailsAPolicyWithoutFallbackAndSaysWhereItWasTurnedOn() {
		InvalidConfigurationPropertyValueException failure = failure("llm.defaults.hedge.enabled=true");
		assertThat(failure.getName()).isEqualTo("llm.policies.default.hedge.enabled");
		assertThat(failure.getReason()).contains("llm.defaults.hedge.enabled")
			.contains("set llm.policies.default.hedge.target to same")
			.contains("set llm.policies.default.hedge.enabled to false");
	}

	@Test
	void unknownHedgeTargetIsRejectedByBinding() {
		this.runner.withPropertyValues("llm.policies.default.hedge.target=elsewhere")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void hedgeSettingsAreOffByDefaultAndTakeTheDefaultsFieldByField() {
		this.runner.run((context) -> assertThat(context.getBean(LlmPolicies.class).get(null).hedge())
			.isEqualTo(new HedgeSettings(false, Duration.ofSeconds(2), HedgeTarget.NEXT)));
		this.runner
			.withPropertyValues("llm.defaults.hedge.enabled=true", "llm.defaults.hedge.delay=500ms",
					"llm.policies.default.hedge.target=same", "llm.policies.summaries.provider=openai",
					"llm.policies.summaries.model=gpt-4o", "llm.policies.summaries.fallbacks[0].provider=backup",
					"llm.policies.summaries.fallbacks[0].model=claude", "llm.policies.summaries.hedge.delay=1s",
					"llm.policies.single.provider=openai", "llm.policies.single.model=gpt-4o",
					"llm.policies.single.hedge.enabled=false")
			.run((context) -> {
				LlmPolicies policies = context.getBean(LlmPolicies.class);
				assertThat(policies.get(null).hedge())
					.isEqualTo(new HedgeSettings(true, Duration.ofMillis(500), HedgeTarget.SAME));
				assertThat(policies.get("summaries").hedge())
					.isEqualTo(new HedgeSettings(true, Duration.ofSeconds(1), HedgeTarget.NEXT));
				assertThat(policies.get("single").hedge().enabled()).isFalse();
			});
	}

	@Test
	void providerCircuitBreakerOverridesTheDefaultsForItsTargets() {
		this.runner
			.withPropertyValues("llm.defaults.circuit-breaker.sliding-window-size=40",
					"llm.providers.openai.circuit-breaker.wait-duration-in-open-state=5s")
			.run((context) -> {
				var settings = context.getBean(LlmPolicies.class)
					.circuitBreakers()
					.get(new io.github.llmresilience.policy.Target("openai", "gpt-4o-mini"));
				assertThat(settings.slidingWindowSize()).isEqualTo(40);
				assertThat(settings.waitDurationInOpenState()).isEqualTo(Duration.ofSeconds(5));
			});
	}

	@ParameterizedTest(name = "@LlmCall {0} fails the start")
	@MethodSource("unusableLlmCalls")
	void unusableLlmCallFailsTheStartSayingWhatToDo(Class<?> service, String description, String action) {
		assertCallFailure(service, description, action);
	}

	static Stream<Arguments> unusableLlmCalls() {
		return Stream.of(
				arguments(named("on a private method", PrivateMethodService.class), "private",
						"a non-private, non-final, non-static method"),
				arguments(named("on a final method", FinalService.class), "final", "non-final"),
				arguments(named("on a static method", StaticService.class), "static", "non-static"),
				arguments(named("naming an unknown policy", UnknownPolicyService.class), "names policy 'nowhere'",
						"Add llm.policies.nowhere"),
				arguments(named("naming a missing fallback method", MissingFallbackService.class),
						"fallbackMethod 'absent'", "Declare `Mono<String> absent(String, Throwable cause)`"),
				arguments(named("naming a fallback method that does not fit", UnfitFallbackService.class),
						"does not fit", "Mono<String> cached(String, Throwable cause)"));
	}

	@Test
	void anEmbeddingsPolicyChecksItsDimensionsAndBatches() {
		String[] embeddings = { "llm.policies.vectors.type=embeddings", "llm.policies.vectors.provider=openai",
				"llm.policies.vectors.model=text-embedding-3-small" };
		assertThat(failure(concat(embeddings, "llm.policies.vectors.dimensions=0")).getName())
			.isEqualTo("llm.policies.vectors.dimensions");
		assertThat(failure(concat(embeddings, "llm.policies.vectors.max-concurrent-batches=0")).getName())
			.isEqualTo("llm.policies.vectors.max-concurrent-batches");
		InvalidConfigurationPropertyValueException mixed = failure(
				concat(embeddings, "llm.policies.vectors.fallbacks[0].provider=backup",
						"llm.policies.vectors.fallbacks[0].model=text-embedding-3-large"));
		assertThat(mixed.getName()).isEqualTo("llm.policies.vectors.fallbacks[0].model-family");
		assertThat(mixed.getReason()).contains("('text-embedding-3-small')")
			.contains("llm.policies.vectors.allow-mixed-models");
	}

	@Test
	void anEmbeddingsPolicyOfOneModelFamilyOrThatAllowsMixedModelsStarts() {
		this.runner
			.withPropertyValues("llm.policies.vectors.type=embeddings", "llm.policies.vectors.provider=openai",
					"llm.policies.vectors.model=text-embedding-3-small", "llm.policies.vectors.dimensions=256",
					"llm.policies.vectors.fallbacks[0].provider=backup",
					"llm.policies.vectors.fallbacks[0].model=openai/text-embedding-3-small",
					"llm.policies.vectors.fallbacks[0].model-family=text-embedding-3-small",
					"llm.policies.vectors.fallbacks[0].dimensions=256", "llm.policies.mixed.type=embeddings",
					"llm.policies.mixed.provider=openai", "llm.policies.mixed.model=text-embedding-3-small",
					"llm.policies.mixed.allow-mixed-models=true", "llm.policies.mixed.fallbacks[0].provider=backup",
					"llm.policies.mixed.fallbacks[0].model=nomic-embed-text",
					"llm.providers.backup.max-inputs-per-request=96")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LlmPolicies policies = context.getBean(LlmPolicies.class);
				assertThat(policies.get("vectors").embeddings().dimensions()).containsExactly(256, 256);
				// A batch must fit every target it may fall back to: the lowest limit
				// wins.
				assertThat(policies.get("vectors").embeddings().maxInputsPerRequest()).isEqualTo(96);
				assertThat(policies.get("mixed").embeddings().allowMixedModels()).isTrue();
				assertThat(policies.get("default").type()).isEqualTo(PolicyType.CHAT);
			});
	}

	private static String[] concat(String[] first, String... more) {
		String[] all = Arrays.copyOf(first, first.length + more.length);
		System.arraycopy(more, 0, all, first.length, more.length);
		return all;
	}

	@Test
	void llmCallNamingAnEmbeddingsPolicyFailsTheStart() {
		this.runner.withBean(EmbeddingsPolicyService.class)
			.withPropertyValues("llm.policies.embeddings.type=embeddings", "llm.policies.embeddings.provider=openai",
					"llm.policies.embeddings.model=text-embedding-3-small")
			.run((context) -> {
				FailureAnalysis analysis = analysisOf(context, new LlmStartupFailureAnalyzer());
				assertThat(analysis.getDescription()).contains("runs policy 'embeddings'")
					.contains("llm.policies.embeddings.type=embeddings");
				assertThat(analysis.getAction()).contains("Name a chat policy in @LlmCall");
			});
	}

	private void assertCallFailure(Class<?> service, String description, String action) {
		this.runner.withBean(service).run((context) -> {
			causeOfType(context, LlmCallConfigurationException.class);
			FailureAnalysis analysis = analysisOf(context, new LlmStartupFailureAnalyzer());
			assertThat(analysis.getDescription()).contains(description);
			assertThat(analysis.getAction()).contains(action);
		});
	}

	static class PrivateMethodService {

		@LlmCall
		private Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

	static class FinalService {

		@LlmCall
		public final Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

	static class StaticService {

		@LlmCall
		public static Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

	static class EmbeddingsPolicyService {

		@LlmCall(policy = "embeddings")
		public Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

	static class UnknownPolicyService {

		@LlmCall(policy = "nowhere")
		public Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

	static class MissingFallbackService {

		@LlmCall(fallbackMethod = "absent")
		public Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

	static class UnfitFallbackService {

		@LlmCall(fallbackMethod = "cached")
		public Mono<String> ask(String text) {
			return Mono.just(text);
		}

		public String cached(String text, Throwable cause) {
			return text;
		}

	}

}
