package io.github.llmresilience.interceptor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The fallback method of an {@code @LlmCall} method, resolved and checked once, at
 * start-up. It follows Resilience4j's convention: same name on the same class, the
 * annotated method's parameters plus a trailing {@code Throwable} (or subtype), the same
 * return type. When several overloads fit, the one with the most specific exception type
 * that accepts the failure runs.
 */
final class FallbackMethod {

	private final List<Method> candidates;

	private FallbackMethod(List<Method> candidates) {
		this.candidates = candidates;
	}

	/**
	 * Resolve the fallback method of an annotated method.
	 * @param method the annotated method
	 * @param targetClass the bean's class
	 * @param name the fallback method's name
	 * @return the resolved fallback method
	 * @throws LlmCallConfigurationException if no method fits
	 */
	static FallbackMethod resolve(Method method, Class<?> targetClass, String name) {
		Class<?>[] parameters = method.getParameterTypes();
		List<Method> named = new ArrayList<>();
		ReflectionUtils.doWithMethods(targetClass, named::add,
				(candidate) -> candidate.getName().equals(name) && !candidate.isBridge());
		List<Method> fitting = new ArrayList<>();
		for (Method candidate : named) {
			if (fits(candidate, method, parameters)) {
				fitting.add(candidate);
			}
		}
		String where = LlmCallMethods.describe(method, targetClass);
		String expected = expectedSignature(method, name);
		if (named.isEmpty()) {
			throw new LlmCallConfigurationException(
					"The fallbackMethod '" + name + "' of @LlmCall on " + where + " does not exist.",
					"Declare `" + expected + "` in " + targetClass.getSimpleName() + ", or correct fallbackMethod.");
		}
		if (fitting.isEmpty()) {
			throw new LlmCallConfigurationException(
					"The fallbackMethod '" + name + "' of @LlmCall on " + where + " does not fit: found "
							+ named.stream().map(FallbackMethod::signature).distinct().toList() + ".",
					"Give it the method's parameters plus a trailing Throwable (or subtype) and the same "
							+ "return type: `" + expected + "`.");
		}
		fitting.forEach(ReflectionUtils::makeAccessible);
		// Most specific exception type first, so that the first that accepts a failure
		// wins.
		fitting.sort(Comparator.comparing((Method candidate) -> depth(lastParameter(candidate))).reversed());
		return new FallbackMethod(List.copyOf(fitting));
	}

	private static boolean fits(Method candidate, Method method, Class<?>[] parameters) {
		Class<?>[] types = candidate.getParameterTypes();
		if (types.length != parameters.length + 1 || !Throwable.class.isAssignableFrom(types[parameters.length])) {
			return false;
		}
		for (int i = 0; i < parameters.length; i++) {
			if (!types[i].isAssignableFrom(parameters[i])) {
				return false;
			}
		}
		return ClassUtils.resolvePrimitiveIfNecessary(method.getReturnType())
			.isAssignableFrom(ClassUtils.resolvePrimitiveIfNecessary(candidate.getReturnType()));
	}

	private static Class<?> lastParameter(Method method) {
		Class<?>[] types = method.getParameterTypes();
		return types[types.length - 1];
	}

	private static int depth(Class<?> type) {
		int depth = 0;
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			depth++;
		}
		return depth;
	}

	private static String expectedSignature(Method method, String name) {
		String parameters = Arrays.stream(method.getGenericParameterTypes())
			.map((type) -> type.getTypeName().replaceAll("[\\w.]+\\.", ""))
			.collect(Collectors.joining(", "));
		return method.getGenericReturnType().getTypeName().replaceAll("[\\w.]+\\.", "") + " " + name + "("
				+ (parameters.isEmpty() ? "" : parameters + ", ") + "Throwable cause)";
	}

	private static String signature(Method method) {
		String parameters = Arrays.stream(method.getParameterTypes())
			.map(Class::getSimpleName)
			.collect(Collectors.joining(", "));
		return method.getReturnType().getSimpleName() + " " + method.getName() + "(" + parameters + ")";
	}

	/**
	 * Return whether some overload accepts the failure.
	 * @param failure the failure
	 * @return whether the fallback method can run
	 */
	boolean accepts(Throwable failure) {
		return select(failure) != null;
	}

	/**
	 * Invoke the most specific overload that accepts the failure.
	 * @param target the bean
	 * @param arguments the annotated method's arguments
	 * @param failure the failure
	 * @return what the fallback method returned
	 * @throws Throwable what the fallback method threw
	 */
	@Nullable Object invoke(Object target, @Nullable Object[] arguments, Throwable failure) throws Throwable {
		Method method = select(failure);
		if (method == null) {
			throw failure;
		}
		Object[] withFailure = Arrays.copyOf(arguments, arguments.length + 1);
		withFailure[arguments.length] = failure;
		try {
			return method.invoke(Modifier.isStatic(method.getModifiers()) ? null : target, withFailure);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	private @Nullable Method select(Throwable failure) {
		for (Method candidate : this.candidates) {
			if (lastParameter(candidate).isInstance(failure)) {
				return candidate;
			}
		}
		return null;
	}

}
