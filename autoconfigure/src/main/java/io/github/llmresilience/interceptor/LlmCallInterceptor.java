package io.github.llmresilience.interceptor;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.MethodClassKey;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.execution.AttemptScope;
import io.github.llmresilience.execution.AttemptScope.Binding;
import io.github.llmresilience.execution.ExecutionOptions;
import io.github.llmresilience.execution.FallbackHandler;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.interceptor.LlmCallMethods.Kind;
import io.github.llmresilience.interceptor.LlmCallMethods.LlmCallMethod;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.ResolvedPolicy;

/**
 * Runs {@code @LlmCall} methods under their policies. Every layer (fallback method,
 * deadline, targets, circuit breakers, retries) is composed by the {@link LlmExecutor},
 * so nothing is retried twice: the method's own {@code LlmClient} calls each make one
 * attempt against the target the executor chose.
 */
final class LlmCallInterceptor implements MethodInterceptor {

	private final Supplier<LlmExecutor> executor;

	private final Supplier<LlmPolicies> policies;

	// By method and bean class, as Spring's MethodClassKey does: one inherited @LlmCall
	// method
	// resolves its fallback method in each bean class that inherits it.
	private final Map<MethodClassKey, LlmCallMethod> methods = new ConcurrentHashMap<>();

	/**
	 * Create an interceptor.
	 * @param executor supplies the executor, on first use
	 * @param policies supplies the policies, on first use
	 */
	LlmCallInterceptor(Supplier<LlmExecutor> executor, Supplier<LlmPolicies> policies) {
		this.executor = executor;
		this.policies = policies;
	}

	/**
	 * Register the resolved {@code @LlmCall} methods of a bean class.
	 * @param targetClass the bean class
	 * @param resolved its methods
	 */
	void register(Class<?> targetClass, Iterable<LlmCallMethod> resolved) {
		for (LlmCallMethod method : resolved) {
			this.methods.put(new MethodClassKey(method.method(), targetClass), method);
		}
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		if (target == null) {
			return invocation.proceed();
		}
		Class<?> targetClass = AopUtils.getTargetClass(target);
		LlmCallMethod spec = this.methods.get(new MethodClassKey(invocation.getMethod(), targetClass));
		if (spec == null) {
			// Called through an interface or a superclass method.
			Method method = AopUtils.getMostSpecificMethod(invocation.getMethod(), targetClass);
			spec = this.methods.get(new MethodClassKey(method, targetClass));
		}
		if (spec == null) {
			return invocation.proceed();
		}
		Binding bound = AttemptScope.current();
		if (bound != null) {
			// A nested @LlmCall joins the call it runs in.
			checkJoin(bound.policy(), spec);
			return invocation.proceed();
		}
		ResolvedPolicy policy = this.policies.get().get(spec.policy());
		return switch (spec.kind()) {
			case SINGLE, MULTI -> reactive(invocation, spec, policy, target);
			case COMPLETION_STAGE -> completionStage(invocation, spec, policy, target);
			case BLOCKING -> blocking(invocation, spec, policy, target);
		};
	}

	private @Nullable Object reactive(MethodInvocation invocation, LlmCallMethod spec, ResolvedPolicy policy,
			Object target) throws Throwable {
		ReactiveAdapter adapter = spec.adapter();
		Object result = AttemptScope.assembling(invocation::proceed);
		if (result == null || adapter == null) {
			return result;
		}
		Publisher<Object> publisher = adapter.toPublisher(result);
		boolean multi = spec.kind() == Kind.MULTI;
		Object[] arguments = invocation.getArguments();
		FallbackHandler<Object> fallback = fallback(spec, target, arguments,
				(value) -> (value != null) ? adapter.toPublisher(value) : Mono.empty());
		ExecutionOptions<Object> options = ExecutionOptions.call(spec.idempotent())
			.withPriority(spec.priority())
			.withFallback(fallback)
			.withText(LlmCallInterceptor::textOf);
		Flux<Object> executed = Flux.deferContextual((context) -> {
			if (context.hasKey(AttemptScope.contextKey())) {
				AttemptScope outer = context.get(AttemptScope.contextKey());
				checkJoin(outer.call().policy().name(), spec);
				return publisher;
			}
			return this.executor.get().execute(policy, options, (scope) -> subscribeWithin(publisher, scope));
		});
		return adapter.fromPublisher(multi ? executed : executed.singleOrEmpty());
	}

	private Object completionStage(MethodInvocation invocation, LlmCallMethod spec, ResolvedPolicy policy,
			Object target) {
		FallbackHandler<Object> fallback = fallback(spec, target, invocation.getArguments(),
				(value) -> (value != null) ? Mono.fromCompletionStage((CompletionStage<?>) value) : Mono.empty());
		ExecutionOptions<Object> options = ExecutionOptions.call(spec.idempotent())
			.withPriority(spec.priority())
			.withFallback(fallback);
		return this.executor.get().mono(policy, options, (scope) -> Mono.defer(() -> {
			try {
				Object stage = scope.callWithin(() -> proceedAgain(invocation));
				return (stage != null) ? Mono.fromCompletionStage((CompletionStage<?>) stage) : Mono.empty();
			}
			catch (Throwable ex) {
				return Mono.error(ex);
			}
		})).toFuture();
	}

	private @Nullable Object blocking(MethodInvocation invocation, LlmCallMethod spec, ResolvedPolicy policy,
			Object target) throws Throwable {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException(
					"The blocking @LlmCall method " + LlmCallMethods.describe(spec.method(), target.getClass())
							+ " was called on the non-blocking thread " + Thread.currentThread().getName()
							+ "; call it on Schedulers.boundedElastic() (or a virtual "
							+ "thread), or make it return Mono or Flux");
		}
		CallerRunsLoop loop = new CallerRunsLoop();
		FallbackHandler<Object> fallback = fallback(spec, target, invocation.getArguments(), Mono::justOrEmpty);
		// The fallback method runs on the calling thread too.
		FallbackHandler<Object> onCallingThread = (fallback != null) ? (failure) -> {
			Publisher<Object> answer = fallback.apply(failure);
			return (answer != null) ? Flux.from(answer).subscribeOn(loop.scheduler()) : null;
		} : null;
		// Attempts run one after the other on the calling thread, so a hedge could not
		// race them.
		ExecutionOptions<Object> options = ExecutionOptions.call(spec.idempotent())
			.withPriority(spec.priority())
			.withFallback(onCallingThread)
			.withoutHedging();
		Mono<Object> call = this.executor.get().mono(policy, options, (scope) -> Mono.fromCallable(() -> {
			try {
				return scope.callWithin(() -> proceedAgain(invocation));
			}
			catch (Exception | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new IllegalStateException(ex);
			}
		}).subscribeOn(loop.scheduler()));
		return loop.await(call);
	}

	private @Nullable FallbackHandler<Object> fallback(LlmCallMethod spec, Object target, @Nullable Object[] arguments,
			Function<@Nullable Object, Publisher<Object>> adapt) {
		FallbackMethod fallback = spec.fallback();
		if (fallback == null) {
			return null;
		}
		return (failure) -> {
			if (!fallback.accepts(failure)) {
				return null;
			}
			return Mono.defer(() -> {
				try {
					return Mono.just(adapt.apply(fallback.invoke(target, arguments, failure)));
				}
				catch (Throwable ex) {
					return Mono.error(ex);
				}
			}).flatMapMany(Flux::from);
		};
	}

	private static @Nullable Object proceedAgain(MethodInvocation invocation) throws Throwable {
		return (invocation instanceof ProxyMethodInvocation proxied) ? proxied.invocableClone().proceed()
				: invocation.proceed();
	}

	/**
	 * Subscribe to the method's publisher with the attempt's scope also bound to the
	 * thread, for code that calls {@code LlmClient} while being subscribed to.
	 */
	private static Flux<Object> subscribeWithin(Publisher<Object> publisher, AttemptScope scope) {
		return Flux.from((subscriber) -> {
			try {
				scope.callWithin(() -> {
					publisher.subscribe(subscriber);
					return null;
				});
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				// Publisher.subscribe declares no checked exception.
				throw new IllegalStateException(ex);
			}
		});
	}

	private static void checkJoin(@Nullable String outerPolicy, LlmCallMethod spec) {
		if (outerPolicy != null && !spec.policy().isEmpty() && !spec.policy().equals(outerPolicy)) {
			throw new IllegalStateException("@LlmCall on " + spec.method().getName() + " names policy '" + spec.policy()
					+ "' but runs inside an @LlmCall call of policy '" + outerPolicy
					+ "'; a nested @LlmCall joins the outer call, so name the same policy or none");
		}
	}

	private static @Nullable CharSequence textOf(Object element) {
		if (element instanceof ChatChunk chunk) {
			return chunk.text();
		}
		return (element instanceof CharSequence text) ? text : null;
	}

}
