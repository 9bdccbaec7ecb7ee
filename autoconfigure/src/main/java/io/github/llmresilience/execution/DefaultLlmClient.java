package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

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
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Usage;
import io.github.llmresilience.client.ProviderClient;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.observation.LlmAttemptContext;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.Target;

/**
 * The {@link LlmClient}: outside an {@code @LlmCall} method it runs the named policy itself; inside
 * one it makes exactly one attempt against the target of the enclosing call's current attempt.
 */
public final class DefaultLlmClient implements LlmClient {

	private final LlmExecutor executor;

	private final ProviderClients clients;

	/**
	 * Create a client.
	 * @param executor the executor of the policies
	 * @param clients the providers' clients
	 */
	public DefaultLlmClient(LlmExecutor executor, ProviderClients clients) {
		this.executor = executor;
		this.clients = clients;
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

	private Mono<ChatResponse> chat(@Nullable String policy, ChatRequest request, @Nullable Object bound) {
		return Mono.deferContextual((context) -> {
			AttemptScope scope = scope(context, bound, policy);
			if (scope != null) {
				return context.hasKey(AttemptScope.KEY) ? attempt(scope, request)
						: withinDeadline(attempt(scope, request), scope);
			}
			ResolvedPolicy resolved = policy(policy);
			return this.executor.mono(resolved, new ExecutionOptions<>(request.idempotent(), false, null, null),
					(attemptScope) -> attempt(attemptScope, request));
		});
	}

	private Flux<ChatChunk> stream(@Nullable String policy, ChatRequest request, @Nullable Object bound) {
		return Flux.deferContextual((context) -> {
			AttemptScope scope = scope(context, bound, policy);
			if (scope != null) {
				return streamAttempt(scope, request);
			}
			ResolvedPolicy resolved = policy(policy);
			return this.executor.execute(resolved,
					new ExecutionOptions<>(request.idempotent(), true, null, ChatChunk::text),
					(attemptScope) -> streamAttempt(attemptScope, request));
		});
	}

	/**
	 * Find the enclosing {@code @LlmCall} attempt: in the Reactor context at subscription, else
	 * bound to the thread that called {@code chat} or {@code stream}.
	 */
	private @Nullable AttemptScope scope(ContextView context, @Nullable Object bound, @Nullable String policy) {
		AttemptScope scope = context.getOrDefault(AttemptScope.KEY, null);
		if (scope == null && bound instanceof AttemptScope boundScope) {
			scope = boundScope;
		}
		if (scope == null) {
			if (bound == AttemptScope.ASSEMBLING) {
				throw new IllegalStateException("An LlmClient publisher created inside an @LlmCall method was "
						+ "subscribed outside the publisher that method returns; return it (or compose it into the "
						+ "returned publisher) so that it runs under the method's policy");
			}
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
		return this.executor.policies().get(name);
	}

	/**
	 * A blocking {@code @LlmCall} method cannot be cut short by its call's deadline, so each call it
	 * makes stops at the deadline itself.
	 */
	private Mono<ChatResponse> withinDeadline(Mono<ChatResponse> attempt, AttemptScope scope) {
		Instant deadline = scope.call().deadlineAt();
		Duration timeout = scope.call().policy().deadline();
		if (deadline == null || timeout == null) {
			return attempt;
		}
		return Mono.defer(() -> {
			Duration remaining = Duration.between(this.executor.clock().instant(), deadline);
			return attempt.timeout(remaining.isNegative() ? Duration.ZERO : remaining)
				.onErrorMap(TimeoutException.class, (ex) -> {
					scope.call().deadlineReached();
					return new LlmDeadlineExceededException(timeout, scope.call().lastFailure(),
							scope.target().provider(), scope.target().model(), scope.call().attempts());
				});
		});
	}

	private Mono<ChatResponse> attempt(AttemptScope scope, ChatRequest request) {
		return Mono.deferContextual((context) -> {
			Attempt attempt = start(scope, request, context);
			return attempt.client.chat(scope.target().model(), request)
				.map((response) -> {
					if (response.usage() != null) {
						attempt.usage(response.usage(), response.model());
					}
					return response.withServed(scope.served());
				})
				.doOnSuccess((response) -> attempt.succeeded())
				.doOnError(attempt::failed)
				.doOnCancel(attempt::cancelled)
				.contextWrite((ctx) -> ctx.put(LlmObservability.OBSERVATION_KEY, attempt.observation));
		});
	}

	private Flux<ChatChunk> streamAttempt(AttemptScope scope, ChatRequest request) {
		return Flux.deferContextual((context) -> {
			Attempt attempt = start(scope, request, context);
			return attempt.client.stream(scope.target().model(), request)
				.doOnNext((chunk) -> {
					if (chunk.usage() != null) {
						attempt.usage(chunk.usage(), chunk.model());
					}
				})
				.doFinally((signal) -> {
					if (signal == SignalType.ON_COMPLETE) {
						attempt.succeeded();
					}
					else if (signal == SignalType.CANCEL) {
						attempt.cancelled();
					}
				})
				.doOnError(attempt::failed)
				.contextWrite((ctx) -> ctx.put(LlmObservability.OBSERVATION_KEY, attempt.observation));
		});
	}

	private Attempt start(AttemptScope scope, ChatRequest request, ContextView context) {
		if (!request.idempotent()) {
			scope.call().nonIdempotentRequest();
		}
		Target target = scope.target();
		ProviderClient client = this.clients.get(target.provider());
		scope.call().attemptSent();
		LlmObservability observability = this.executor.observability();
		LlmAttemptContext attemptContext = new LlmAttemptContext(scope.call().policy().name(), target.provider(),
				target.model());
		Observation parent = context.getOrDefault(LlmObservability.OBSERVATION_KEY, null);
		Observation observation = observability.attempt(attemptContext, parent).start();
		return new Attempt(client, target, observability, attemptContext, observation);
	}

	/**
	 * One HTTP attempt in progress, and its observation.
	 */
	private static final class Attempt {

		private final ProviderClient client;

		private final Target target;

		private final LlmObservability observability;

		private final LlmAttemptContext context;

		private final Observation observation;

		private boolean stopped;

		Attempt(ProviderClient client, Target target, LlmObservability observability, LlmAttemptContext context,
				Observation observation) {
			this.client = client;
			this.target = target;
			this.observability = observability;
			this.context = context;
			this.observation = observation;
		}

		void usage(Usage usage, @Nullable String responseModel) {
			this.observability.metrics().usage(this.target, responseModel, usage);
		}

		void succeeded() {
			this.context.setResult("success");
			this.context.setStatus(200);
			stop();
		}

		void failed(Throwable failure) {
			if (failure instanceof LlmException llm) {
				this.context.setResult(llm.kind().value());
				this.context.setStatus(llm.status());
			}
			else {
				this.context.setResult("error");
			}
			this.observation.error(failure);
			stop();
		}

		void cancelled() {
			this.context.setResult("cancelled");
			stop();
		}

		private synchronized void stop() {
			if (!this.stopped) {
				this.stopped = true;
				this.observation.stop();
			}
		}

	}

}
