package io.github.llmresilience.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.github.resilience4j.retry.RetryRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.ClassPathResource;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.interceptor.LlmCallConfigurationException;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.PoolStrategy;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static io.github.llmresilience.behaviour.StartupFailures.causeOfType;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pool in place of a slot's provider and model: how it binds and resolves, the retry of
 * its slot, and every check that stops a start-up with the property and what to write.
 */
class PoolConfigurationTests {

	private final ApplicationContextRunner runner = llmResilience().withPropertyValues(
			"llm.providers.azure-east.base-url=https://east.example/openai/v1",
			"llm.providers.azure-west.base-url=https://west.example/openai/v1",
			"llm.providers.openai.base-url=https://api.openai.com/v1", "llm.policies.default.provider=openai",
			"llm.policies.default.model=gpt-4o");

	private static final String[] POOL = { "llm.policies.chat.pool.members[0].provider=azure-east",
			"llm.policies.chat.pool.members[0].model=gpt-4o-east",
			"llm.policies.chat.pool.members[0].model-family=gpt-4o", "llm.policies.chat.pool.members[0].weight=2",
			"llm.policies.chat.pool.members[1].provider=azure-west",
			"llm.policies.chat.pool.members[1].model=gpt-4o-west",
			"llm.policies.chat.pool.members[1].model-family=gpt-4o",
			"llm.policies.chat.pool.members[2].provider=openai", "llm.policies.chat.pool.members[2].model=gpt-4o",
			"llm.policies.chat.pool.members[2].tier=1" };

	@Test
	void aPoolResolvesToASlotOfMembersWithOneRetryForTheSlot() {
		this.runner.withPropertyValues(POOL)
			.withPropertyValues("llm.policies.chat.pool.strategy=round-robin", "llm.policies.chat.pool.sticky=true",
					"llm.policies.chat.fallbacks[0].provider=openai",
					"llm.policies.chat.fallbacks[0].model=gpt-4o-mini",
					"llm.policies.chat.fallbacks[1].pool.members[0].provider=azure-east",
					"llm.policies.chat.fallbacks[1].pool.members[0].model=gpt-4o-mini-east")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ResolvedPolicy chat = context.getBean(LlmPolicies.class).get("chat");
				TargetSlot primary = chat.slots().get(0);
				assertThat(primary.isPool()).isTrue();
				assertThat(primary.pool()).isEqualTo(new TargetSlot.PoolSettings(PoolStrategy.ROUND_ROBIN, true));
				assertThat(primary.members()).containsExactly(
						new PoolMember(new Target("azure-east", "gpt-4o-east"), 2, 0, "gpt-4o", null),
						new PoolMember(new Target("azure-west", "gpt-4o-west"), 1, 0, "gpt-4o", null),
						new PoolMember(new Target("openai", "gpt-4o"), 1, 1, "gpt-4o", null));
				assertThat(chat.slots().get(1).isPool()).isFalse();
				assertThat(chat.slots().get(2).name()).isEqualTo("fallbacks[1]");
				assertThat(chat.retryName(primary)).isEqualTo("chat@primary");
				assertThat(chat.retryName(chat.slots().get(1))).isEqualTo("chat@openai:gpt-4o-mini");
				assertThat(
						context.getBean(RetryRegistry.class).getAllRetries().stream().map((retry) -> retry.getName()))
					.contains("chat@primary", "chat@openai:gpt-4o-mini", "chat@fallbacks[1]")
					.doesNotContain("chat@azure-east:gpt-4o-east");
				// Each member has its own circuit breaker.
				assertThat(context.getBean(LlmPolicies.class).circuitBreakers()).containsKeys(
						new Target("azure-east", "gpt-4o-east"), new Target("azure-west", "gpt-4o-west"),
						new Target("azure-east", "gpt-4o-mini-east"));
			});
	}

	@Test
	void theDocumentedPoolStarts() {
		this.runner.withPropertyValues("llm.providers.backup.base-url=https://openrouter.ai/api/v1")
			.withInitializer((context) -> {
				try {
					new YamlPropertySourceLoader().load("pool-example", new ClassPathResource("pool-example.yml"))
						.forEach(context.getEnvironment().getPropertySources()::addFirst);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ResolvedPolicy chat = context.getBean(LlmPolicies.class).get("chat");
				assertThat(chat.slots().get(0).members()).extracting(PoolMember::weight).containsExactly(2, 1, 1);
				assertThat(chat.slots().get(0).members()).extracting(PoolMember::tier).containsExactly(0, 0, 1);
				assertThat(chat.slots().get(1).target()).isEqualTo(new Target("backup", "claude-3-5-haiku"));
			});
	}

	@Test
	void aPoolOfDifferentModelsStartsWhenItAllowsMixedModels() {
		this.runner.withPropertyValues(POOL)
			.withPropertyValues("llm.policies.chat.pool.members[1].model-family=gpt-4.1",
					"llm.policies.chat.pool.allow-mixed-models=true")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', value = {
			"llm.policies.chat.pool.strategy|weighted|llm.policies.chat.pool.members|at least one member",
			"llm.policies.chat.pool.members[1].weight|0|llm.policies.chat.pool.members[1].weight|1 or more",
			"llm.policies.chat.pool.members[1].weight|-2|llm.policies.chat.pool.members[1].weight|1 or more",
			"llm.policies.chat.pool.members[1].tier|-1|llm.policies.chat.pool.members[1].tier|count from 0",
			"llm.policies.chat.pool.members[1].model|gpt-4o-east|llm.policies.chat.pool.members[1]|list each provider and model once",
			"llm.policies.chat.pool.members[1].provider|nowhere|llm.policies.chat.pool.members[1].provider|No provider named 'nowhere'",
			"llm.policies.chat.pool.members[1].model-family|gpt-4.1|llm.policies.chat.pool.members[1].model-family|allow-mixed-models to true",
			"llm.policies.chat.provider|openai|llm.policies.chat.provider|either one provider and model or a pool",
			"llm.policies.chat.model|gpt-4o|llm.policies.chat.model|either one provider and model or a pool" })
	void aBadPoolFailsTheStartNamingThePropertyAndTheFix(String property, String value, String named, String fix) {
		boolean withMembers = !property.endsWith("strategy");
		ApplicationContextRunner runner = withMembers ? this.runner.withPropertyValues(POOL) : this.runner;
		if (property.endsWith(".members[1].model") || property.endsWith(".members[1].model-family")) {
			runner = runner.withPropertyValues("llm.policies.chat.pool.members[1].provider=azure-east");
		}
		if (property.endsWith(".members[1].model-family")) {
			runner = runner.withPropertyValues("llm.policies.chat.pool.members[1].provider=azure-west");
		}
		runner.withPropertyValues(property + "=" + value).run((context) -> {
			InvalidConfigurationPropertyValueException failure = causeOfType(context,
					InvalidConfigurationPropertyValueException.class);
			assertThat(failure.getName()).isEqualTo(named);
			assertThat(failure.getReason()).contains(fix);
		});
	}

	@Test
	void anAffinityKeyThatIsNotAnExpressionFailsTheStart() {
		this.runner.withPropertyValues(POOL).withBean(BadAffinityKeyService.class).run((context) -> {
			causeOfType(context, LlmCallConfigurationException.class);
			FailureAnalysis analysis = analysisOf(context, new LlmStartupFailureAnalyzer());
			assertThat(analysis.getDescription()).contains("affinityKey")
				.contains("BadAffinityKeyService.ask(String)")
				.contains("#p0.(");
			assertThat(analysis.getAction()).contains("affinityKey = \"#p0\"");
		});
	}

	static class BadAffinityKeyService {

		@LlmCall(policy = "chat", affinityKey = "#p0.(")
		public Mono<String> ask(String text) {
			return Mono.just(text);
		}

	}

}
