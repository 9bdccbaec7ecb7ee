package io.github.llmresilience.interceptor;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ReflectionUtils;

import io.github.llmresilience.LlmCall;

/**
 * Registers, for an application compiled ahead of time (a native image), the methods of a
 * user's bean that {@code @LlmCall} reaches by reflection: each {@code @LlmCall} method
 * (found when the bean is created, and invoked once per attempt) and every method named
 * by its {@code fallbackMethod} (resolved at start-up and invoked reflectively). A
 * {@code RuntimeHintsRegistrar} cannot know these: they are the application's.
 * <p>
 * Every overload with the fallback method's name is registered, whether it fits or not:
 * which ones fit is decided, and explained, at start-up.
 */
final class LlmCallBeanRegistrationAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Set<Method> methods = reflectivelyInvoked(registeredBean.getBeanClass());
		if (methods.isEmpty()) {
			return null;
		}
		return (generationContext, beanRegistrationCode) -> {
			ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
			methods.forEach((method) -> reflection.registerMethod(method, ExecutableMode.INVOKE));
		};
	}

	/**
	 * Return the {@code @LlmCall} methods of a bean class and the methods their fallback
	 * methods name.
	 * @param beanClass the bean's class
	 * @return the methods, empty if the class has no {@code @LlmCall} method
	 */
	static Set<Method> reflectivelyInvoked(Class<?> beanClass) {
		Set<Method> methods = new LinkedHashSet<>();
		if (!AnnotationUtils.isCandidateClass(beanClass, LlmCall.class)) {
			return methods;
		}
		ReflectionUtils.doWithMethods(beanClass, (method) -> {
			LlmCall call = AnnotatedElementUtils.findMergedAnnotation(method, LlmCall.class);
			if (call == null) {
				return;
			}
			methods.add(method);
			if (!call.fallbackMethod().isEmpty()) {
				ReflectionUtils.doWithMethods(beanClass, methods::add,
						(candidate) -> candidate.getName().equals(call.fallbackMethod()) && !candidate.isBridge());
			}
		}, (method) -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
		return methods;
	}

}
