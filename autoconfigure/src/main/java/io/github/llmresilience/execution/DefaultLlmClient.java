package io.github.llmresilience.execution;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.util.context.ContextView;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.EmbeddingResponse;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.Served;
import io.github.llmresilience.Usage;
import io.github.llmresilience.client.ProviderClient;
import io.github.llmresilience.client.ProviderClients;
import io.github.llmresilience.execution.AttemptScope.Binding;
import io.github.llmresilience.execution.TargetAdmission.Estimates;
import io.github.llmresilience.execution.TargetAdmission.Reservation;
import io.github.llmresilience.observation.LlmObservability;
import io.github.llmresilience.observation.ObservedAttempt;
import io.github.llmresilience.policy.EmbeddingSettings;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.ResolvedPolicy;
import io.github.llmresilience.policy.PoolMember;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.policy.TargetSlot;

/**
 * The {@link LlmClient}: outside an {@code @LlmCall} method it runs the named policy
 * itself; inside one it makes exactly one attempt against the target of the enclosing
 * call's current attempt. Embeddings always run their own policy, split into batches
 * where the policy's providers need it, each batch a logical call of its own.
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

	private static final ExecutionOptions<EmbeddingResponse> EMBEDDINGS = ExecutionOptions.idempotentCall();

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

	@Override
	public Mono<EmbeddingResponse> embed(String policy, EmbeddingRequest request) {
		Objects.requireNonNull(policy, "'policy' must not be null");
		Objects.requireNonNull(request, "'request' must not be null");
		// Never joins an enclosing @LlmCall attempt: a retrieval step inside a chat
		// method is
		// a logical call of its own, under its own policy.
		return Mono.defer(() -> {
			ResolvedPolicy resolved = policy(policy);
			EmbeddingSettings settings = resolved.embeddings();
			if (settings == null) {
				throw new IllegalStateException("Policy '" + resolved.name() + "' serves chat completions, not "
						+ "embeddings: set llm.policies." + resolved.name() + ".type to embeddings, or name a policy "
						+ "of that type");
			}
			List<int[]> bounds = EmbeddingBatches.split(request.inputs(), settings.maxInputsPerRequest(),
					settings.maxTokensPerRequest());
			if (bounds.size() == 1) {
				return embedBatch(resolved, request);
			}
			List<EmbeddingRequest> batches = new ArrayList<>(bounds.size());
			for (int[] bound : bounds) {
				batches.add(request.slice(bound[0], bound[1]));
			}
			if (!settings.allowMixedModels()) {
				return embedBatches(resolved, batches, settings.maxConcurrentBatches());
			}
			// Vectors of two models do not mix: the batches after the first go to the
			// target that served it.
			return embedBatch(resolved, batches.get(0)).flatMap((first) -> {
				ResolvedPolicy pinned = pinned(resolved, settings, first.served());
				return embedBatches(pinned, batches.subList(1, batches.size()), settings.maxConcurrentBatches())
					.map((rest) -> EmbeddingResponse.join(List.of(first, rest)));
			});
		});
	}

	/**
	 * Run each batch as a logical call of its own, a few at a time, and join their
	 * vectors in order; the first failure cancels the batches in flight.
	 */
	private Mono<EmbeddingResponse> embedBatches(ResolvedPolicy policy, List<EmbeddingRequest> batches,
			int concurrency) {
		return Flux.fromIterable(batches)
			.flatMapSequential((batch) -> embedBatch(policy, batch), concurrency, 1)
			.collectList()
			.map(EmbeddingResponse::join);
	}

	private Mono<EmbeddingResponse> embedBatch(ResolvedPolicy policy, EmbeddingRequest batch) {
		ScopedAttempt<EmbeddingResponse> attempt = (scope) -> embedAttempt(scope, batch);
		return this.executor.mono(policy, EMBEDDINGS, attempt);
	}

	/**
	 * Return the policy reduced to the target that served the first batch.
	 */
	private static ResolvedPolicy pinned(ResolvedPolicy policy, EmbeddingSettings settings, Served served) {
		Target target = new Target(served.provider(), served.model());
		List<@Nullable Integer> dimensions = new ArrayList<>();
		dimensions.add(null);
		for (int index = 0; index < policy.slots().size(); index++) {
			TargetSlot slot = policy.slots().get(index);
			PoolMember member = slot.member(target);
			if (member != null) {
				dimensions.set(0, slot.isPool() ? member.dimensions() : settings.dimensions(index));
				break;
			}
		}
		return new ResolvedPolicy(
				policy.name(), List.of(TargetSlot.single(0, target)), policy.retry(), policy.fallbackOn(),
				policy.deadline(), policy.hedge(), new EmbeddingSettings(dimensions, settings.maxInputsPerRequest(),
						settings.maxTokensPerRequest(), settings.maxConcurrentBatches(), true),
				policy.whenAllUnavailable(), List.of(), List.of());
	}

	/**
	 * Return the vector size an attempt's target is asked for: a pool's member carries
	 * its own.
	 */
	private static @Nullable Integer dimensions(AttemptScope scope, EmbeddingSettings settings) {
		TargetSlot slot = scope.call().policy().slots().get(scope.targetIndex());
		PoolMember member = slot.isPool() ? slot.member(scope.target()) : null;
		return (member != null) ? member.dimensions() : settings.dimensions(scope.targetIndex());
	}

	private Mono<EmbeddingResponse> embedAttempt(AttemptScope scope, EmbeddingRequest request) {
		TargetAdmission admission = this.executor.admission();
		if (!admission.reserves(scope.target())) {
			return embedRequest(scope, request, Reservation.NONE);
		}
		// Embeddings charge their inputs only.
		return reserved(scope, request, admission.estimate(scope.target(), request), DefaultLlmClient::embedRequest,
				Mono::flatMap);
	}

	private Mono<EmbeddingResponse> embedRequest(AttemptScope scope, EmbeddingRequest request,
			Reservation reservation) {
		return Mono.deferContextual((context) -> {
			ProviderClient client = start(scope, true);
			ObservedAttempt observed = observe(scope, context);
			EmbeddingSettings settings = scope.call().policy().embeddings();
			Integer dimensions = (settings != null) ? dimensions(scope, settings) : null;
			Mono<EmbeddingResponse> answer = client
				.embed(scope.target().model(), request, dimensions, reservation.sent())
				.map((response) -> {
					Usage usage = response.usage();
					if (usage != null) {
						observed.embeddingsUsage(usage, response.model());
					}
					reservation.settle((usage != null) ? usage.promptTokens() : null);
					return response.withServed(scope.served());
				});
			return AttemptEnd.of(answer, observed, reservation);
		});
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
			ExecutionOptions<ChatResponse> options = request.idempotent() ? IDEMPOTENT_CHAT : NON_IDEMPOTENT_CHAT;
			if (request.affinityKey() != null) {
				options = options.withAffinityKey(request.affinityKey());
			}
			ScopedAttempt<ChatResponse> attempt = (attemptScope) -> attempt(attemptScope, request);
			return this.executor.mono(chatPolicy(policy), options, attempt);
		});
	}

	private Flux<ChatChunk> stream(@Nullable String policy, ChatRequest request, @Nullable Binding bound) {
		return Flux.deferContextual((context) -> {
			AttemptScope scope = scope(context, bound, policy);
			if (scope != null) {
				return streamAttempt(scope, request);
			}
			ExecutionOptions<ChatChunk> options = request.idempotent() ? IDEMPOTENT_STREAM : NON_IDEMPOTENT_STREAM;
			if (request.affinityKey() != null) {
				options = options.withAffinityKey(request.affinityKey());
			}
			ScopedAttempt<ChatChunk> attempt = (attemptScope) -> streamAttempt(attemptScope, request);
			return this.executor.execute(chatPolicy(policy), options, attempt);
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

	private ResolvedPolicy chatPolicy(@Nullable String name) {
		ResolvedPolicy policy = policy(name);
		if (policy.type() != PolicyType.CHAT) {
			throw new IllegalStateException("Policy '" + policy.name() + "' serves embeddings (llm.policies."
					+ policy.name() + ".type=embeddings), not chat completions: call LlmClient.embed with it, or name "
					+ "a chat policy");
		}
		return policy;
	}

	private ResolvedPolicy policy(@Nullable String name) {
		if (this.clients.all().isEmpty()) {
			throw new IllegalStateException("No LLM provider is configured: add one under llm.providers "
					+ "(with its base-url and api-key) and a policy under llm.policies.default");
		}
		return this.policies.get(name);
	}

	/**
	 * One request of an attempt: reserved first when its target's limits count requests
	 * one by one (the context pre-check, a declared token limit, the reported budgets),
	 * per HTTP request rather than per attempt.
	 */
	private Mono<ChatResponse> attempt(AttemptScope scope, ChatRequest request) {
		TargetAdmission admission = this.executor.admission();
		if (!admission.reserves(scope.target())) {
			return request(scope, request, Reservation.NONE);
		}
		return reserved(scope, request, admission.estimate(scope.target(), request), DefaultLlmClient::request,
				Mono::flatMap);
	}

	private Mono<ChatResponse> request(AttemptScope scope, ChatRequest request, Reservation reservation) {
		return Mono.deferContextual((context) -> {
			ProviderClient client = start(scope, request.idempotent());
			ObservedAttempt observed = observe(scope, context);
			Mono<ChatResponse> answer = this.executor.admission()
				.concurrency(scope, request.priority(),
						client.chat(scope.target().model(), request, reservation.sent()))
				.map((response) -> {
					Usage usage = response.usage();
					if (usage != null) {
						observed.usage(usage, response.model());
					}
					reservation.settle((usage != null) ? used(usage) : null);
					return response.withServed(scope.served());
				});
			return AttemptEnd.of(answer, observed, reservation);
		});
	}

	private Flux<ChatChunk> streamAttempt(AttemptScope scope, ChatRequest request) {
		TargetAdmission admission = this.executor.admission();
		if (!admission.reserves(scope.target())) {
			return streamRequest(scope, request, Reservation.NONE);
		}
		return reserved(scope, request, admission.estimate(scope.target(), request), DefaultLlmClient::streamRequest,
				Mono::flatMapMany);
	}

	private Flux<ChatChunk> streamRequest(AttemptScope scope, ChatRequest request, Reservation reservation) {
		return Flux.deferContextual((context) -> {
			ProviderClient client = start(scope, request.idempotent());
			ObservedAttempt observed = observe(scope, context);
			return this.executor.admission()
				.concurrency(scope, request.priority(),
						client.stream(scope.target().model(), request, reservation.sent()))
				.doOnNext((chunk) -> {
					Usage usage = chunk.usage();
					if (usage != null) {
						observed.usage(usage, chunk.model());
						reservation.settle(used(usage));
					}
				})
				.doFinally((signal) -> {
					if (signal == SignalType.ON_COMPLETE) {
						// A stream without usage keeps its estimate.
						reservation.settle(null);
						observed.succeeded();
					}
					else if (signal == SignalType.CANCEL) {
						reservation.settle(null);
						observed.cancelled();
					}
				})
				.doOnError((failure) -> {
					reservation.failed(failure);
					observed.failed(failure);
				})
				.contextWrite((ctx) -> ctx.put(LlmObservability.OBSERVATION_KEY, observed.observation()));
		});
	}

	/**
	 * Send one request of an attempt to a target whose limits count requests one by one,
	 * with its reservation: at once, without a publisher or a lambda, when nothing may
	 * hold it back (most requests), else once the target's limits have room for it.
	 * @param <Q> the request's type
	 * @param <P> the publisher of its answer
	 * @param scope the attempt
	 * @param request the request
	 * @param estimates the request's estimates
	 * @param sender how the request is sent with its reservation
	 * @param afterWaiting how the request follows a reservation that had to wait
	 * ({@code Mono::flatMap} or {@code Mono::flatMapMany})
	 * @return the request
	 */
	private <Q, P> P reserved(AttemptScope scope, Q request, Estimates estimates, Sender<Q, P> sender,
			BiFunction<Mono<Reservation>, Function<Reservation, P>, P> afterWaiting) {
		TargetAdmission admission = this.executor.admission();
		Reservation now = admission.reserveNow(scope, estimates);
		if (now != null) {
			return sender.send(this, scope, request, now);
		}
		return afterWaiting.apply(admission.reserve(scope, estimates),
				(reservation) -> sender.send(this, scope, request, reservation));
	}

	/**
	 * Return the tokens an answer says its request used.
	 */
	private static long used(Usage usage) {
		return (usage.totalTokens() > 0) ? usage.totalTokens() : usage.promptTokens() + usage.completionTokens();
	}

	private ProviderClient start(AttemptScope scope, boolean idempotent) {
		if (!idempotent) {
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

	/**
	 * Sends one request of an attempt with its reservation: {@link #request},
	 * {@link #streamRequest} or {@link #embedRequest}.
	 *
	 * @param <Q> the request's type
	 * @param <P> the publisher of its answer
	 */
	@FunctionalInterface
	private interface Sender<Q, P> {

		P send(DefaultLlmClient client, AttemptScope scope, Q request, Reservation reservation);

	}

}
