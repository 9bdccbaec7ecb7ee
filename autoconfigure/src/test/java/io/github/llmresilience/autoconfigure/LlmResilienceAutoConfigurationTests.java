package io.github.llmresilience.autoconfigure;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.retry.configuration.RetryConfigCustomizer;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.test.StepVerifier;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.behaviour.SwitchedOff;
import io.github.llmresilience.behaviour.SwitchedOffTests;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.execution.DefaultLlmClient;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.execution.ResilienceInstanceConflictException;
import io.github.llmresilience.interceptor.LlmCallAnnotationBeanPostProcessor;
import io.github.llmresilience.interceptor.LlmCallConfigurationException;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.testkit.FakeLlmServer;

import static io.github.llmresilience.behaviour.LlmContextRunners.llmResilience;
import static io.github.llmresilience.behaviour.StartupFailures.analysisOf;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class LlmResilienceAutoConfigurationTests implements SwitchedOffTests {

	private final ApplicationContextRunner runner = llmResilience();

	private final ApplicationContextRunner configured = this.runner.withPropertyValues(
			"llm.providers.openai.base-url=http://127.0.0.1:9/v1", "llm.providers.openai.api-key=sk-test",
			"llm.policies.default.model=gpt-4o-mini");

	@Test
	void createsTheClientThePoliciesAndTheirResilience4jInstances() {
		this.configured
			.withPropertyValues("llm.providers.backup.base-url=http://127.0.0.1:9/v1",
					"llm.policies.default.provider=openai", "llm.policies.summaries.provider=openai",
					"llm.policies.summaries.model=gpt-4o", "llm.policies.summaries.fallbacks[0].provider=backup",
					"llm.policies.summaries.fallbacks[0].model=claude")
			.run((context) -> {
				assertThat(context).hasSingleBean(LlmClient.class)
					.hasSingleBean(DefaultLlmClient.class)
					.hasSingleBean(LlmExecutor.class)
					.hasSingleBean(ProviderClients.class)
					.hasSingleBean(LlmCallAnnotationBeanPostProcessor.class);
				assertThat(context.getBean(LlmPolicies.class).all()).containsOnlyKeys("default", "summaries");
				RetryRegistry retries = context.getBean(RetryRegistry.class);
				assertThat(retries.getAllRetries()).extracting((retry) -> retry.getName())
					.containsExactlyInAnyOrder("default@openai:gpt-4o-mini", "summaries@openai:gpt-4o",
							"summaries@backup:claude");
				CircuitBreakerRegistry circuitBreakers = context.getBean(CircuitBreakerRegistry.class);
				assertThat(circuitBreakers.getAllCircuitBreakers()).extracting((cb) -> cb.getName())
					.containsExactlyInAnyOrder("openai:gpt-4o-mini", "openai:gpt-4o", "backup:claude");
			});
	}

	@Test
	void policyMayLeaveOutTheProviderWhenThereIsOnlyOne() {
		this.configured
			.run((context) -> assertThat(context.getBean(LlmPolicies.class).get("default").targets().get(0).provider())
				.isEqualTo("openai"));
	}

	@Test
	void backsOffFromTheApplicationsOwnBeans() {
		this.configured.withUserConfiguration(OwnBeans.class).run((context) -> {
			assertThat(context).getBean(RetryRegistry.class).isSameAs(OwnBeans.RETRIES);
			assertThat(context).getBean(CircuitBreakerRegistry.class).isSameAs(OwnBeans.CIRCUIT_BREAKERS);
			assertThat(context).getBean(LlmClient.class).isSameAs(OwnBeans.CLIENT);
			assertThat(context.getBean(RetryRegistry.class).getAllRetries()).isNotEmpty();
		});
	}

	@Override
	public List<SwitchedOff> switchesOff() {
		return List.of(
				SwitchedOff.byProperty(this.configured, "llm.enabled=false", LlmClient.class, LlmExecutor.class,
						LlmCallAnnotationBeanPostProcessor.class),
				SwitchedOff.without(this.configured, List.of(RetryRegistry.class), LlmClient.class),
				SwitchedOff.without(this.configured, List.of(WebClient.class), LlmClient.class));
	}

	@Test
	void usesTheApplicationsWebClientBuilder() {
		try (FakeLlmServer server = FakeLlmServer.start()) {
			this.runner
				.withPropertyValues("llm.providers.openai.base-url=" + server.baseUrl(),
						"llm.policies.default.model=gpt-4o-mini")
				.withUserConfiguration(FilteringBuilder.class)
				.run((context) -> {
					StepVerifier.create(context.getBean(LlmClient.class).chat(ChatRequest.builder().user("hi").build()))
						.expectNextCount(1)
						.verifyComplete();
					assertThat(context.getBean(FilteringBuilder.class).seen).hasSize(1);
				});
		}
	}

	@Test
	void startsWithoutProvidersAndACallNamesLlmProviders() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			LlmClient client = context.getBean(LlmClient.class);
			StepVerifier.create(client.chat(ChatRequest.builder().user("hi").build()))
				.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("llm.providers"))
				.verify();
		});
	}

	@Test
	void callNamingNoPolicyWithoutADefaultNamesLlmPoliciesDefault() {
		this.runner
			.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
					"llm.policies.other.model=gpt-4o")
			.run((context) -> StepVerifier
				.create(context.getBean(LlmClient.class).chat(ChatRequest.builder().user("hi").build()))
				.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("llm.policies.default"))
				.verify());
	}

	@Test
	void llmCallNamingNoPolicyWithoutADefaultFailsTheStart() {
		this.runner
			.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
					"llm.policies.other.model=gpt-4o")
			.withUserConfiguration(DefaultPolicyService.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).isInstanceOf(LlmCallConfigurationException.class)
					.hasMessageContaining("llm.policies.default");
			});
	}

	@Test
	void resilience4jCustomizersChangeOnlyTheInstanceTheyNameAndNotTheEnginesRules() {
		this.configured.withPropertyValues("llm.policies.other.model=gpt-4o")
			.withUserConfiguration(Resilience4jCustomizers.class)
			.run((context) -> {
				CircuitBreakerRegistry circuitBreakers = context.getBean(CircuitBreakerRegistry.class);
				CircuitBreakerConfig customized = circuitBreakers.circuitBreaker("openai:gpt-4o-mini")
					.getCircuitBreakerConfig();
				assertThat(customized.getSlidingWindowType()).isEqualTo(SlidingWindowType.TIME_BASED);
				assertThat(customized.isAutomaticTransitionFromOpenToHalfOpenEnabled()).isTrue();
				assertThat(customized.getWaitIntervalFunctionInOpenState().apply(2)).isEqualTo(2000);
				LlmException serverError = LlmException.builder(FailureKind.SERVER_ERROR).build();
				assertThat(customized.getIgnoreExceptionPredicate().test(serverError))
					.as("the engine's ignored failures, whatever the customizer said")
					.isFalse();
				assertThat(customized.getRecordExceptionPredicate().test(serverError)).isTrue();
				assertThat(circuitBreakers.circuitBreaker("openai:gpt-4o")
					.getCircuitBreakerConfig()
					.getSlidingWindowType()).isEqualTo(SlidingWindowType.COUNT_BASED);
				RetryConfig retry = context.getBean(RetryRegistry.class)
					.retry("default@openai:gpt-4o-mini")
					.getRetryConfig();
				assertThat(retry.isWritableStackTraceEnabled()).isFalse();
				assertThat(retry.getMaxAttempts()).as("llm.defaults.retry.max-attempts, not the customizer's 9")
					.isEqualTo(4);
				assertThat(context.getBean(RetryRegistry.class)
					.retry("other@openai:gpt-4o")
					.getRetryConfig()
					.isWritableStackTraceEnabled()).isTrue();
			});
	}

	@Test
	void aResilience4jInstanceOfOneOfOurNamesRegisteredBeforeFailsTheStart() {
		this.configured.withUserConfiguration(ConflictingRetry.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(ResilienceInstanceConflictException.class)
				.hasMessageContaining("Retry named 'default@openai:gpt-4o-mini' was registered before");
			FailureAnalysis analysis = analysisOf(context, new LlmStartupFailureAnalyzer());
			assertThat(analysis.getAction()).contains("RetryConfigCustomizer bean named 'default@openai:gpt-4o-mini'");
		});
	}

	@Test
	void contextsThatShareARegistryEachGetInstancesWithTheirOwnSettings() {
		SharedRegistries.RETRIES.getAllRetries().forEach((retry) -> SharedRegistries.RETRIES.remove(retry.getName()));
		this.configured.withUserConfiguration(SharedRegistries.class)
			.withPropertyValues("llm.defaults.retry.max-attempts=2")
			.run((context) -> assertThat(context).hasNotFailed());
		this.configured.withUserConfiguration(SharedRegistries.class)
			.withPropertyValues("llm.defaults.retry.max-attempts=3")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(
						SharedRegistries.RETRIES.retry("default@openai:gpt-4o-mini").getRetryConfig().getMaxAttempts())
					.isEqualTo(3);
			});
	}

	@Test
	void withoutAWebClientBuilderBeanTheStartSaysWhatIsMissing(CapturedOutput output) {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmResilienceAutoConfiguration.class))
			.withPropertyValues("llm.providers.openai.base-url=http://127.0.0.1:9/v1",
					"llm.policies.default.model=gpt-4o-mini")
			.run((context) -> assertThat(context).hasSingleBean(ProviderClients.class));
		assertThat(output).contains("No WebClient.Builder bean")
			.contains("without Spring Boot's codecs (spring.codec.*), WebClientCustomizer beans and observation");
	}

	@Test
	void withAWebClientBuilderBeanTheStartSaysNothingAboutIt(CapturedOutput output) {
		this.configured.run((context) -> assertThat(context).hasSingleBean(ProviderClients.class));
		assertThat(output).doesNotContain("No WebClient.Builder bean");
	}

	@Test
	void engineUsesTheLlmClockBean() {
		this.configured.withUserConfiguration(FixedClock.class)
			.run((context) -> assertThat(context).hasSingleBean(LlmExecutor.class).hasNotFailed());
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnBeans {

		static final RetryRegistry RETRIES = RetryRegistry.ofDefaults();

		static final CircuitBreakerRegistry CIRCUIT_BREAKERS = CircuitBreakerRegistry.ofDefaults();

		static final LlmClient CLIENT = new LlmClient() {

			@Override
			public Mono<io.github.llmresilience.ChatResponse> chat(ChatRequest request) {
				return Mono.empty();
			}

			@Override
			public Mono<io.github.llmresilience.ChatResponse> chat(String policy, ChatRequest request) {
				return Mono.empty();
			}

			@Override
			public reactor.core.publisher.Flux<io.github.llmresilience.ChatChunk> stream(ChatRequest request) {
				return reactor.core.publisher.Flux.empty();
			}

			@Override
			public reactor.core.publisher.Flux<io.github.llmresilience.ChatChunk> stream(String policy,
					ChatRequest request) {
				return reactor.core.publisher.Flux.empty();
			}

		};

		@Bean
		RetryRegistry retryRegistry() {
			return RETRIES;
		}

		@Bean
		CircuitBreakerRegistry circuitBreakerRegistry() {
			return CIRCUIT_BREAKERS;
		}

		@Bean
		LlmClient llmClient() {
			return CLIENT;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FilteringBuilder {

		final List<URI> seen = new CopyOnWriteArrayList<>();

		@Bean
		WebClient.Builder webClientBuilder() {
			return WebClient.builder().filter((request, next) -> {
				this.seen.add(request.url());
				return next.exchange(request);
			});
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Resilience4jCustomizers {

		@Bean
		CircuitBreakerConfigCustomizer timeBasedWindow() {
			return CircuitBreakerConfigCustomizer.of("openai:gpt-4o-mini",
					(builder) -> builder.slidingWindowType(SlidingWindowType.TIME_BASED)
						.automaticTransitionFromOpenToHalfOpenEnabled(true)
						.waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(1000, 2.0))
						.ignoreException((ex) -> true));
		}

		@Bean
		RetryConfigCustomizer noStackTraces() {
			return RetryConfigCustomizer.of("default@openai:gpt-4o-mini",
					(builder) -> builder.writableStackTraceEnabled(false)
						.maxAttempts(9)
						.intervalFunction(IntervalFunction.of(1)));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConflictingRetry {

		@Bean
		RetryRegistry retryRegistry() {
			RetryRegistry registry = RetryRegistry.ofDefaults();
			registry.retry("default@openai:gpt-4o-mini");
			return registry;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SharedRegistries {

		static final RetryRegistry RETRIES = RetryRegistry.ofDefaults();

		@Bean
		RetryRegistry retryRegistry() {
			return RETRIES;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FixedClock {

		@Bean
		Clock llmClock() {
			return Clock.fixed(Instant.parse("2026-11-23T00:00:00Z"), ZoneOffset.UTC);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DefaultPolicyService {

		@Bean
		Service service() {
			return new Service();
		}

	}

	static class Service {

		@LlmCall
		public Mono<String> ask() {
			return Mono.just("x");
		}

	}

}
