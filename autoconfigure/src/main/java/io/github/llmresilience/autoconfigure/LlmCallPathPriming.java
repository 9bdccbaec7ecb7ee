package io.github.llmresilience.autoconfigure;

import java.time.Clock;
import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.util.ClassUtils;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.client.PrimingClients;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.execution.DefaultLlmClient;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.execution.ResilienceCustomizers;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.observation.LlmAttemptObservationConvention;
import io.github.llmresilience.observation.LlmCallObservationConvention;
import io.github.llmresilience.observation.LlmMeterObservationHandler;
import io.github.llmresilience.observation.LlmMetrics;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.MicrometerLlmMetrics;
import io.github.llmresilience.pacing.CooldownListener;
import io.github.llmresilience.pacing.Pacing;
import io.github.llmresilience.pacing.RequestLimiters;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.support.EngineTime;

/**
 * Runs the call path once per policy at start-up (a chat call and a streamed one, or an
 * embeddings call), in memory, so that the application's first calls do not load, link
 * and initialise its classes and caches ({@code llm.prime-at-startup}). Every piece is
 * private to it: an engine with its own Resilience4j registries, pacing, observation
 * registry and meter registry, and clients whose requests are answered in memory
 * ({@link PrimingClients}). So it sends nothing, logs nothing, and changes no meter, no
 * breaker, retry or pacing state of the application.
 */
final class LlmCallPathPriming implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(LlmCallPathPriming.class);

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final boolean METERS = ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry",
			LlmCallPathPriming.class.getClassLoader());

	private final LlmSettings settings;

	private final @Nullable LlmCallObservationConvention callConvention;

	private final @Nullable LlmAttemptObservationConvention attemptConvention;

	LlmCallPathPriming(LlmSettings settings, @Nullable LlmCallObservationConvention callConvention,
			@Nullable LlmAttemptObservationConvention attemptConvention) {
		this.settings = settings;
		this.callConvention = callConvention;
		this.attemptConvention = attemptConvention;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.settings.providers().isEmpty() || Schedulers.isInNonBlockingThread()) {
			return;
		}
		try {
			prime();
		}
		catch (RuntimeException ex) {
			// The application's calls are unaffected: priming only saves them time.
			logger.debug("Priming the call path failed", ex);
		}
	}

	/**
	 * Make one call of each kind per policy through a private engine, in memory.
	 * @return the calls that were answered
	 */
	int prime() {
		EngineTime time = EngineTime.system();
		Clock clock = time.clock();
		ObservationRegistry registry = ObservationRegistry.create();
		LlmMetrics metrics = METERS ? Meters.observe(registry) : LlmMetrics.NONE;
		LlmObservability observability = new LlmObservability(registry, this.callConvention, this.attemptConvention,
				metrics)
			.withoutCallLog();
		LlmPolicies policies = this.settings.policies();
		Pacing pacing = new Pacing(this.settings.pacing(), this.settings.concurrency(), clock, metrics,
				RequestLimiters.local(clock), CooldownListener.NONE);
		TargetResilience resilience = new TargetResilience(policies, RetryRegistry.ofDefaults(),
				CircuitBreakerRegistry.ofDefaults(), clock, ResilienceCustomizers.NONE);
		LlmExecutor executor = new LlmExecutor(resilience, pacing, CooldownListener.NONE, observability, time);
		int answered = 0;
		try (ProviderClients clients = PrimingClients.create(this.settings.providers(), clock)) {
			DefaultLlmClient client = new DefaultLlmClient(executor, clients, policies, clock, observability);
			for (String policy : policies.all().keySet()) {
				if (policies.get(policy).type() == PolicyType.EMBEDDINGS) {
					answered += (client.embed(policy, EmbeddingRequest.of("priming")).block(TIMEOUT) != null) ? 1 : 0;
				}
				else {
					ChatRequest request = ChatRequest.builder().user("priming").build();
					answered += (client.chat(policy, request).block(TIMEOUT) != null) ? 1 : 0;
					answered += (client.stream(policy, request).blockLast(TIMEOUT) != null) ? 1 : 0;
				}
			}
		}
		return answered;
	}

	/**
	 * The meters of the private observations, in a registry nobody reads: Micrometer is
	 * optional.
	 */
	private static final class Meters {

		static LlmMetrics observe(ObservationRegistry registry) {
			SimpleMeterRegistry meters = new SimpleMeterRegistry();
			registry.observationConfig().observationHandler(new LlmMeterObservationHandler(meters));
			return new MicrometerLlmMetrics(meters);
		}

	}

}
