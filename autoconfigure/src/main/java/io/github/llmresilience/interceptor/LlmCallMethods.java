package io.github.llmresilience.interceptor;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.Priority;

/**
 * Finds the {@code @LlmCall} methods of a class and checks, once, that a proxy can
 * intercept them and that their fallback methods fit.
 */
final class LlmCallMethods {

	private LlmCallMethods() {
	}

	/**
	 * Find and check every {@code @LlmCall} method of a class.
	 * @param targetClass the bean's class
	 * @param adapters the registry of reactive types
	 * @return the methods, empty if the class has none
	 * @throws LlmCallConfigurationException if one cannot work as written
	 */
	static List<LlmCallMethod> find(Class<?> targetClass, ReactiveAdapterRegistry adapters) {
		List<LlmCallMethod> methods = new ArrayList<>();
		ReflectionUtils.doWithMethods(targetClass, (method) -> {
			LlmCall annotation = AnnotatedElementUtils.findMergedAnnotation(method, LlmCall.class);
			if (annotation != null) {
				methods.add(resolve(method, targetClass, annotation, adapters));
			}
		}, (method) -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
		return methods;
	}

	private static LlmCallMethod resolve(Method method, Class<?> targetClass, LlmCall annotation,
			ReactiveAdapterRegistry adapters) {
		int modifiers = method.getModifiers();
		String where = describe(method, targetClass);
		if (Modifier.isStatic(modifiers) || Modifier.isPrivate(modifiers) || Modifier.isFinal(modifiers)) {
			String which = Modifier.isStatic(modifiers) ? "static"
					: Modifier.isPrivate(modifiers) ? "private" : "final";
			throw new LlmCallConfigurationException(
					"@LlmCall is on the " + which + " method " + where
							+ ", which a Spring proxy cannot intercept, so the policy would never apply.",
					"Make " + method.getName() + " a non-private, non-final, non-static method of the bean, "
							+ "and call it through the bean, not from the same class.");
		}
		FallbackMethod fallback = annotation.fallbackMethod().isEmpty() ? null
				: FallbackMethod.resolve(method, targetClass, annotation.fallbackMethod());
		return new LlmCallMethod(method, annotation.policy(), annotation.idempotent(), fallback, kind(method, adapters),
				adapter(method, adapters), annotation.priority());
	}

	private static Kind kind(Method method, ReactiveAdapterRegistry adapters) {
		Class<?> returnType = method.getReturnType();
		if (CompletionStage.class.isAssignableFrom(returnType)) {
			return Kind.COMPLETION_STAGE;
		}
		ReactiveAdapter adapter = adapter(method, adapters);
		if (adapter != null) {
			return adapter.isMultiValue() ? Kind.MULTI : Kind.SINGLE;
		}
		return Kind.BLOCKING;
	}

	private static @Nullable ReactiveAdapter adapter(Method method, ReactiveAdapterRegistry adapters) {
		Class<?> returnType = method.getReturnType();
		if (Future.class.isAssignableFrom(returnType) || CompletionStage.class.isAssignableFrom(returnType)) {
			return null;
		}
		ReactiveAdapter adapter = adapters.getAdapter(returnType);
		return (adapter != null && adapter.getDescriptor().isDeferred()) ? adapter : null;
	}

	static String describe(Method method, Class<?> targetClass) {
		return ClassUtils.getUserClass(targetClass).getSimpleName() + "." + method.getName() + "(" + String.join(", ",
				java.util.Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).toList()) + ")";
	}

	/**
	 * How a method's result is run per attempt.
	 */
	enum Kind {

		/**
		 * A deferred single-value publisher ({@code Mono}): re-subscribed per attempt.
		 */
		SINGLE,

		/**
		 * A deferred multi-value publisher ({@code Flux}): re-subscribed per attempt,
		 * with the streaming rule.
		 */
		MULTI,

		/**
		 * A {@code CompletionStage}: the method is invoked again per attempt.
		 */
		COMPLETION_STAGE,

		/**
		 * Any other type: the method is invoked again per attempt on the calling thread.
		 */
		BLOCKING

	}

	/**
	 * An {@code @LlmCall} method as resolved at start-up.
	 *
	 * @param method the method
	 * @param policy the policy's name, empty for {@code default}
	 * @param idempotent whether repeating it is harmless
	 * @param fallback the fallback method, or {@code null}
	 * @param kind how its result is run
	 * @param adapter the reactive adapter of its return type, for {@link Kind#SINGLE} and
	 * {@link Kind#MULTI}
	 * @param priority how urgent its requests are
	 */
	record LlmCallMethod(Method method, String policy, boolean idempotent, @Nullable FallbackMethod fallback, Kind kind,
			@Nullable ReactiveAdapter adapter, Priority priority) {

	}

}
