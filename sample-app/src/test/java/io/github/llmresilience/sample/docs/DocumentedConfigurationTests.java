package io.github.llmresilience.sample.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.autoconfigure.LlmResilienceAutoConfiguration;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.client.ProviderSettings;
import io.github.llmresilience.policy.CircuitBreakerSettings;
import io.github.llmresilience.policy.HedgeSettings;
import io.github.llmresilience.policy.HedgeTarget;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.RetrySettings;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.langchain4j.LlmStreamingChatModel;
import io.github.llmresilience.langchain4j.autoconfigure.LlmLangChain4jAutoConfiguration;
import io.github.llmresilience.springai.LlmChatModel;
import io.github.llmresilience.springai.autoconfigure.LlmChatModelAutoConfiguration;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The YAML examples of the documentation (under {@code src/test/resources/docs}) start
 * the starter and mean what the documentation says they mean.
 */
class DocumentedConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LlmResilienceAutoConfiguration.class, WebClientAutoConfiguration.class));

	@Test
	void gettingStartedConfiguresTwoPoliciesWithTheDefaults() {
		withYaml("getting-started.yml", "OPENAI_API_KEY=sk-test", "OPENROUTER_API_KEY=sk-or-test").run((context) -> {
			LlmPolicies policies = context.getBean(LlmPolicies.class);
			assertThat(policies.get("default").targets()).containsExactly(new Target("openai", "gpt-4o-mini"));
			assertThat(policies.get("summaries").targets()).containsExactly(new Target("openai", "gpt-4o"),
					new Target("backup", "anthropic/claude-3.5-haiku"));
			RetrySettings retry = policies.get("summaries").retry();
			assertThat(retry.maxAttempts()).isEqualTo(4);
			assertThat(retry.initialBackoff()).isEqualTo(Duration.ofSeconds(2));
			assertThat(retry.maxRetryAfter()).isEqualTo(Duration.ofSeconds(60));
		});
	}

	@Test
	void theReferenceConfigurationIsTheWorkedExampleOfTheBehaviourPage() {
		withYaml("reference.yml").run((context) -> {
			LlmPolicies policies = context.getBean(LlmPolicies.class);
			ResolvedPolicy summaries = policies.get("summaries");
			assertThat(summaries.targets()).containsExactly(new Target("openai", "gpt-4o"),
					new Target("backup", "anthropic/claude-3-5-haiku"));
			assertThat(summaries.deadline()).isEqualTo(Duration.ofSeconds(90));
			RetrySettings retry = summaries.retry();
			assertThat(retry.maxAttempts()).isEqualTo(3);
			assertThat(retry.maxElapsed()).isEqualTo(Duration.ofSeconds(120));
			assertThat(retry.initialBackoff()).isEqualTo(Duration.ofSeconds(2));
			assertThat(retry.multiplier()).isEqualTo(2.0);
			assertThat(retry.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
			assertThat(retry.jitter()).isEqualTo(0.5);
			assertThat(retry.maxRetryAfter()).isEqualTo(Duration.ofSeconds(60));
			assertThat(retry.retryOnStatus()).containsExactlyInAnyOrder(408, 409, 429, 500, 502, 503, 504);
			assertThat(summaries.fallbackOn()).containsExactlyInAnyOrder(FailureKind.RATE_LIMITED,
					FailureKind.QUOTA_EXHAUSTED, FailureKind.SERVER_ERROR, FailureKind.TIMEOUT, FailureKind.CONNECTION,
					FailureKind.CONFLICT, FailureKind.CIRCUIT_OPEN, FailureKind.AUTH, FailureKind.NOT_FOUND,
					FailureKind.MALFORMED_RESPONSE);
			assertThat(policies.get("default").retry().maxAttempts()).isEqualTo(4);
			assertThat(summaries.hedge()).isEqualTo(new HedgeSettings(false, Duration.ofSeconds(2), HedgeTarget.NEXT));
			CircuitBreakerSettings circuitBreaker = policies.circuitBreakers().get(new Target("openai", "gpt-4o"));
			assertThat(circuitBreaker)
				.isEqualTo(new CircuitBreakerSettings(true, 50, 20, 10, Duration.ofSeconds(30), 2));
		});
	}

	@Test
	void theHedgingExampleHedgesSummariesOnTheNextTargetAfterTwoSeconds() {
		withYaml("hedging.yml").run((context) -> {
			ResolvedPolicy summaries = context.getBean(LlmPolicies.class).get("summaries");
			assertThat(summaries.hedge()).isEqualTo(new HedgeSettings(true, Duration.ofSeconds(2), HedgeTarget.NEXT));
			assertThat(summaries.targets()).containsExactly(new Target("openai", "gpt-4o"),
					new Target("backup", "anthropic/claude-3-5-haiku"));
		});
	}

	@Test
	void theConcurrencyExampleCapsGitHubModelsAtEightRequestsInFlight() {
		withYaml("concurrency.yml").run((context) -> {
			ProviderSettings github = context.getBean(ProviderClients.class).get("github").settings();
			assertThat(github.maxConnections()).isEqualTo(8);
			assertThat(github.pendingAcquireTimeout()).isEqualTo(Duration.ofSeconds(45));
		});
	}

	@Test
	void theAzureExampleSendsTheKeyInItsHeaderAndTheApiVersion() {
		try (FakeLlmServer azure = FakeLlmServer.start()) {
			withYaml("azure.yml", "AZURE_OPENAI_ENDPOINT=http://127.0.0.1:" + azure.port(),
					"AZURE_OPENAI_API_KEY=azure-key")
				.run((context) -> context.getBean(LlmClient.class)
					.chat(ChatRequest.builder().user("Hello").build())
					.block(Duration.ofSeconds(10)));
			List<RecordedRequest> requests = azure.requests();
			assertThat(requests).singleElement().satisfies((request) -> {
				assertThat(request.path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions");
				assertThat(request.query()).isEqualTo("api-version=2024-10-21");
				assertThat(request.header("api-key")).isEqualTo("azure-key");
				assertThat(request.header("Authorization")).isNull();
			});
		}
	}

	@Test
	void theSpringAiGuideRunsChatClientCallsUnderTheAssistantPolicy() {
		withYaml("spring-ai.yml", "OPENAI_API_KEY=sk-test", "OPENROUTER_API_KEY=sk-or-test")
			.withConfiguration(AutoConfigurations.of(LlmChatModelAutoConfiguration.class))
			.run((context) -> {
				assertThat(context.getBean(LlmChatModel.class).getPolicy()).isEqualTo("assistant");
				assertThat(context.getBean(LlmPolicies.class).get("assistant").targets())
					.containsExactly(new Target("openai", "gpt-4o-mini"), new Target("backup", "openai/gpt-4o-mini"));
				assertThat(context.getBeanFactory().getBeanDefinition("llmChatModel").isPrimary()).isFalse();
			});
	}

	@Test
	void theLangChain4jGuideRunsBothModelsUnderTheAssistantPolicy() {
		withYaml("langchain4j.yml", "OPENAI_API_KEY=sk-test", "OPENROUTER_API_KEY=sk-or-test")
			.withConfiguration(AutoConfigurations.of(LlmLangChain4jAutoConfiguration.class))
			.run((context) -> {
				assertThat(context.getBean(io.github.llmresilience.langchain4j.LlmChatModel.class).getPolicy())
					.isEqualTo("assistant");
				assertThat(context.getBean(LlmStreamingChatModel.class).getPolicy()).isEqualTo("assistant");
				assertThat(context.getBean(LlmPolicies.class).get("assistant").targets())
					.containsExactly(new Target("openai", "gpt-4o-mini"), new Target("backup", "openai/gpt-4o-mini"));
			});
	}

	private ApplicationContextRunner withYaml(String name, String... properties) {
		return this.runner.withPropertyValues(properties).withInitializer((context) -> {
			try {
				for (PropertySource<?> source : new YamlPropertySourceLoader().load(name,
						new ClassPathResource("docs/" + name))) {
					context.getEnvironment().getPropertySources().addLast(source);
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		});
	}

}
