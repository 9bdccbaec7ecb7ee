package io.github.llmresilience.execution;

import java.time.Clock;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.util.context.ContextView;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.client.ProviderClient;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.execution.AttemptScope.Binding;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedAttempt;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;

/**
 * The {@link LlmClient}: outside an {@code @LlmCall} method it runs the named policy
 * itself; inside one it makes exactly one attempt against the target of the enclosing
 * call's current attempt.
 */
public final class DefaultLlmClient implements LlmClient {

	private static final ExecutionOptions<ChatResponse> IDEMPOTENT_CHAT = ExecutionOptions.idempotentCall();

	private static final ExecutionOptions<ChatResponse> NON_IDEMPOTENT_CHAT = ExecutionOptions.nonIdempotentCall();

	private static final ExecutionOptions<ChatChunk> IDEMPOTENT_STREAM = ExecutionOptions.<ChatChunk>idempotentCall()
		.withText(ChatChunk::text);

	private static final ExecutionOptions<ChatChunk> NON_IDEMPOTENT_STREAM = ExecutionOptions
		.<ChatChunk>nonIdempotentCall()
		.withText(ChatChunk::text);

	private final LlmExecutor executor;

	private final ProviderClients clients;

	private final LlmPolicies policies;

	private final Clock clock;

	private final LlmObservability observability;

	/**
	 * Create a client.
	 * @param executor the executor of the policies
	 * @param clients the providers' clients
	 * @param policies the policies
	 * @param clock the clock of the policies' deadlines
	 * @param observability where attempts are reported
	 */
	public DefaultLlmClient(LlmExecutor executor, ProviderClients clients, LlmPolicies policies, Clock clock,
			LlmObservability observability) {
		this.executor = executor;
		this.clients = clients;
		this.policies = policies;
		this.clock = clock;
		this.observability = observability;
	}

	@Override
	public Mono<ChatResponse> chat(ChatRequest request) {
		return chat(null, request, AttemptScope.current());
	}

	@Override
	public Mono<ChatResponse> chat(String policy, ChatRequest request) {
		return chat(policy, request, AttemptScope.current());
	}

	@Override
	public Flux<ChatChunk> stream(ChatRequest request) {
		return stream(null, request, AttemptScope.current());
	}

	@Override
	public Flux<ChatChunk> stream(String policy, ChatRequest request) {
		return stream(policy, request, AttemptScope.current());
	}

	private Mono<ChatResponse> chat(@Nullable String policy, ChatRequest request, @Nullable Binding bound) {
		return Mono.deferContextual((context) -> {
			AttemptScope scope = scope(context, bound, policy);
			if (scope != null) {
				// A blocking @LlmCall method cannot be cut short by its call's deadline,
				// so each
				// call it makes stops at the deadline itself.
				return context.hasKey(AttemptScope.KEY) ? attempt(scope, request)
						: Deadline.bound(attempt(scope, request), scope.call(), this.clock);
			}
			return this.executor.mono(policy(policy), request.idempotent() ? IDEMPOTENT_CHAT : NON_IDEMPOTENT_CHAT,
					(attemptScope) -> attempt(attemptScope, request));
		});
	}

	private Flux<ChatChunk> stream(@Nullable String policy, ChatRequest request, @Nullable Binding bound) {
		return Flux.deferContextual((context) -> {
			AttemptScope scope = scope(context, bound, policy);
			if (scope != null) {
				return streamAttempt(scope, request);
			}
			return this.executor.execute(policy(policy),
					request.idempotent() ? IDEMPOTENT_STREAM : NON_IDEMPOTENT_STREAM,
					(attemptScope) -> streamAttempt(attemptScope, request));
		});
	}

	/**
	 * Find the enclosing {@code @LlmCall} attempt: in the Reactor context at
	 * subscription, else bound to the thread that called {@code chat} or {@code stream}.
	 */
	private @Nullable AttemptScope scope(ContextView context, @Nullable Binding bound, @Nullable String policy) {
		AttemptScope scope = context.getOrDefault(AttemptScope.KEY, null);
		if (scope == null && bound != null) {
			scope = bound.scope();
			if (scope == null) {
				throw new IllegalStateException("An LlmClient publisher created inside an @LlmCall method was "
						+ "subscribed outside the publisher that method returns; return it (or compose it into the "
						+ "returned publisher) so that it runs under the method's policy");
			}
		}
		if (scope == null) {
			return null;
		}
		String running = scope.call().policy().name();
		if (policy != null && !policy.equals(running)) {
			throw new IllegalStateException("LlmClient names policy '" + policy + "' inside an @LlmCall method that "
					+ "runs policy '" + running + "'; calls inside @LlmCall use the method's policy, so name none "
					+ "(or the same one)");
		}
		return scope;
	}

	private ResolvedPolicy policy(@Nullable String name) {
		if (this.clients.all().isEmpty()) {
			throw new IllegalStateException("No LLM provider is configured: add one under llm.providers "
					+ "(with its base-url and api-key) and a policy under llm.policies.default");
		}
		return this.policies.get(name);
	}

	private Mono<ChatResponse> attempt(AttemptScope scope, ChatRequest request) {
		return Mono.deferContextual((context) -> {
			ProviderClient client = start(scope, request);
			ObservedAttempt observed = observe(scope, context);
			return client.chat(scope.target().model(), request).map((response) -> {
				if (response.usage() != null) {
					observed.usage(response.usage(), response.model());
				}
				return response.withServed(scope.served());
			})
				.doOnSuccess((response) -> observed.succeeded())
				.doOnError(observed::failed)
				.doOnCancel(observed::cancelled)
				.contextWrite((ctx) -> ctx.put(LlmObservability.OBSERVATION_KEY, observed.observation()));
		});
	}

	private Flux<ChatChunk> streamAttempt(AttemptScope scope, ChatRequest request) {
		return Flux.deferContextual((context) -> {
			ProviderClient client = start(scope, request);
			ObservedAttempt observed = observe(scope, context);
			return client.stream(scope.target().model(), request).doOnNext((chunk) -> {
				if (chunk.usage() != null) {
					observed.usage(chunk.usage(), chunk.model());
				}
			}).doFinally((signal) -> {
				if (signal == SignalType.ON_COMPLETE) {
					observed.succeeded();
				}
				else if (signal == SignalType.CANCEL) {
					observed.cancelled();
				}
			})
				.doOnError(observed::failed)
				.contextWrite((ctx) -> ctx.put(LlmObservability.OBSERVATION_KEY, observed.observation()));
		});
	}

	private ProviderClient start(AttemptScope scope, ChatRequest request) {
		if (!request.idempotent()) {
			scope.call().nonIdempotentRequest();
		}
		ProviderClient client = this.clients.get(scope.target().provider());
		scope.call().attemptSent();
		return client;
	}

	private ObservedAttempt observe(AttemptScope scope, ContextView context) {
		Target target = scope.target();
		Observation parent = context.getOrDefault(LlmObservability.OBSERVATION_KEY, null);
		return this.observability.startAttempt(scope.call().policy().name(), target, scope.hedge(), parent);
	}

}
