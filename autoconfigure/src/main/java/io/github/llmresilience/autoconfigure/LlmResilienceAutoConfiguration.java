package io.github.llmresilience.autoconfigure;

import java.time.Clock;
import java.util.List;
import java.util.random.RandomGenerator;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.retry.configuration.RetryConfigCustomizer;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmProviderCustomizer;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.client.ProviderSettings;
import io.github.llmresilience.execution.DefaultLlmClient;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.execution.LlmShutdown;
import io.github.llmresilience.execution.ResilienceCustomizers;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.interceptor.LlmCallAnnotationBeanPostProcessor;
import io.github.llmresilience.observation.LlmAttemptObservationConvention;
import io.github.llmresilience.observation.LlmCallObservationConvention;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.RequestLimiters;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.support.EngineTime;

/**
 * Auto-configuration of llm-resilience: the providers' clients, the policies with their
 * Resilience4j retries and circuit breakers, the {@link LlmClient} and {@code @LlmCall}.
 *
 * <p>
 * The engine reads its time from one {@link EngineTime} bean: the clock of a
 * {@code Clock} bean named {@value #CLOCK_BEAN} and the source of jitter of a
 * {@code RandomGenerator} bean named {@value #RANDOM_BEAN} when they exist, so tests can
 * fix them; the application's own {@code Clock} beans are left alone.
 */
@AutoConfiguration(after = WebClientAutoConfiguration.class,
		afterName = { "io.github.resilience4j.springboot.retry.autoconfigure.RetryAutoConfiguration",
				"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnClass({ WebClient.class, RetryOperator.class, RetryRegistry.class, CircuitBreakerRegistry.class })
@ConditionalOnBooleanProperty(name = "llm.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmProperties.class)
public final class LlmResilienceAutoConfiguration {

	/**
	 * The name of the optional {@code Clock} bean the engine uses.
	 */
	public static final String CLOCK_BEAN = "llmClock";

	/**
	 * The name of the optional {@code RandomGenerator} bean the engine uses for jitter.
	 */
	public static final String RANDOM_BEAN = "llmRandom";

	private static final Log logger = LogFactory.getLog(LlmResilienceAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	EngineTime llmEngineTime(@Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock,
			@Qualifier(RANDOM_BEAN) ObjectProvider<RandomGenerator> random) {
		EngineTime system = EngineTime.system();
		return new EngineTime(clock.getIfAvailable(system::clock), random.getIfAvailable(system::random));
	}

	@Bean
	@ConditionalOnMissingBean
	LlmSettings llmSettings(LlmProperties properties, Environment environment) {
		LlmSettings settings = LlmConfigurationResolver.resolve(properties, Binder.get(environment));
		for (ProviderSettings provider : settings.providers()) {
			if (provider.apiKey() == null) {
				logger.warn("llm.providers." + provider.name() + ".api-key is empty: requests to " + provider.name()
						+ " are sent without an authentication header");
			}
		}
		return settings;
	}

	@Bean
	@ConditionalOnMissingBean
	LlmPolicies llmPolicies(LlmSettings settings) {
		return settings.policies();
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ProviderClients llmProviderClients(LlmSettings settings, ResourceLoader resourceLoader,
			ObjectProvider<WebClient.Builder> webClientBuilder,
			ObjectProvider<ClientHttpConnectorBuilder<?>> connectorBuilder,
			ObjectProvider<HttpClientSettings> httpClientSettings, EngineTime time,
			ObjectProvider<LlmProviderCustomizer> customizers, Pacing pacing) {
		return ProviderClients.create(settings.providers(), webClientBuilder(webClientBuilder),
				connectorBuilder
					.getIfAvailable(() -> ClientHttpConnectorBuilder.detect(resourceLoader.getClassLoader())),
				httpClientSettings.getIfAvailable(HttpClientSettings::defaults), time.clock(),
				customizers.orderedStream().toList(), pacing);
	}

	@Bean
	@ConditionalOnMissingBean
	Pacing llmPacing(LlmSettings settings, EngineTime time, ObjectProvider<LlmMetrics> metrics,
			ObjectProvider<RequestLimiters> limiters, ObjectProvider<CooldownListener> cooldowns) {
		Clock engineClock = time.clock();
		// Shared state (llm.shared-state) holds declared limits for the fleet and hears
		// of cooldowns.
		return new Pacing(settings.pacing(), settings.concurrency(), engineClock,
				metrics.getIfAvailable(() -> LlmMetrics.NONE),
				limiters.getIfAvailable(() -> RequestLimiters.local(engineClock)),
				cooldowns.getIfAvailable(() -> CooldownListener.NONE));
	}

	private static WebClient.Builder webClientBuilder(ObjectProvider<WebClient.Builder> webClientBuilder) {
		WebClient.Builder builder = webClientBuilder.getIfAvailable();
		if (builder != null) {
			return builder;
		}
		// Without Boot's builder the clients still work, but without what Boot adds to
		// it.
		logger.warn("No WebClient.Builder bean: llm-resilience builds its provider clients with WebClient.builder(), "
				+ "without Spring Boot's codecs (spring.codec.*), WebClientCustomizer beans and observation of "
				+ "HTTP requests; add spring-boot-starter-webclient (the llm-resilience starter brings it) or "
				+ "define a WebClient.Builder bean");
		return WebClient.builder();
	}

	@Bean
	@ConditionalOnMissingBean
	RetryRegistry llmRetryRegistry() {
		return RetryRegistry.ofDefaults();
	}

	@Bean
	@ConditionalOnMissingBean
	CircuitBreakerRegistry llmCircuitBreakerRegistry() {
		return CircuitBreakerRegistry.ofDefaults();
	}

	@Bean
	@ConditionalOnMissingBean
	TargetResilience llmTargetResilience(LlmPolicies policies, RetryRegistry retryRegistry,
			CircuitBreakerRegistry circuitBreakerRegistry, EngineTime time,
			ObjectProvider<ResilienceCustomizers> customizers) {
		return new TargetResilience(policies, retryRegistry, circuitBreakerRegistry, time.clock(),
				customizers.getIfAvailable(() -> ResilienceCustomizers.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	LlmObservability llmObservability(ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<LlmCallObservationConvention> callConvention,
			ObjectProvider<LlmAttemptObservationConvention> attemptConvention, ObjectProvider<LlmMetrics> metrics) {
		return new LlmObservability(observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP),
				callConvention.getIfAvailable(), attemptConvention.getIfAvailable(),
				metrics.getIfAvailable(() -> LlmMetrics.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	LlmExecutor llmExecutor(TargetResilience resilience, LlmObservability observability, Pacing pacing,
			ObjectProvider<CooldownListener> cooldowns, EngineTime time) {
		return new LlmExecutor(resilience, pacing, cooldowns.getIfAvailable(() -> CooldownListener.NONE), observability,
				time);
	}

	@Bean
	@ConditionalOnBooleanProperty(name = "llm.prime-at-startup", matchIfMissing = true)
	LlmCallPathPriming llmCallPathPriming(LlmSettings settings,
			ObjectProvider<LlmCallObservationConvention> callConvention,
			ObjectProvider<LlmAttemptObservationConvention> attemptConvention) {
		return new LlmCallPathPriming(settings, callConvention.getIfAvailable(), attemptConvention.getIfAvailable());
	}

	/**
	 * Ends the calls still running once the web server's graceful shutdown is over.
	 */
	@Bean
	@ConditionalOnMissingBean
	LlmShutdown llmShutdown(LlmExecutor executor) {
		return new LlmShutdown(executor);
	}

	@Bean
	@ConditionalOnMissingBean(LlmClient.class)
	DefaultLlmClient llmClient(LlmExecutor executor, ProviderClients clients, LlmPolicies policies,
			LlmObservability observability, EngineTime time) {
		return new DefaultLlmClient(executor, clients, policies, time.clock(), observability);
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static LlmCallAnnotationBeanPostProcessor llmCallAnnotationBeanPostProcessor(Environment environment) {
		LlmCallAnnotationBeanPostProcessor postProcessor = new LlmCallAnnotationBeanPostProcessor();
		// Read directly: a bean post-processor is created before LlmProperties can be
		// bound.
		Binder.get(environment).bind("llm.call.advisor-order", Integer.class).ifBound(postProcessor::setAdvisorOrder);
		return postProcessor;
	}

	/**
	 * Resilience4j's customizer beans, applied by instance name to our retries and
	 * circuit breakers.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ RetryConfigCustomizer.class, CircuitBreakerConfigCustomizer.class })
	static class ResilienceCustomizersConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ResilienceCustomizers llmResilienceCustomizers(ObjectProvider<RetryConfigCustomizer> retryCustomizers,
				ObjectProvider<CircuitBreakerConfigCustomizer> circuitBreakerCustomizers) {
			List<RetryConfigCustomizer> retries = retryCustomizers.orderedStream().toList();
			List<CircuitBreakerConfigCustomizer> circuitBreakers = circuitBreakerCustomizers.orderedStream().toList();
			return new ResilienceCustomizers((name, builder) -> {
				for (RetryConfigCustomizer customizer : retries) {
					if (customizer.name().equals(name)) {
						customizer.customize(builder);
					}
				}
			}, (name, builder) -> {
				for (CircuitBreakerConfigCustomizer customizer : circuitBreakers) {
					if (customizer.name().equals(name)) {
						customizer.customize(builder);
					}
				}
			});
		}

	}

}
