package io.github.llmresilience.interceptor;

import java.lang.reflect.Proxy;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.aot.BeanRegistrationCode;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.ClassName;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints for a user's bean with {@code @LlmCall} methods: the methods and their
 * fallback methods can be invoked by reflection in a native image; nothing else of the
 * bean is registered, and a bean without {@code @LlmCall} gets nothing.
 */
class LlmCallBeanRegistrationAotProcessorTests {

	private final DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();

	private final LlmCallBeanRegistrationAotProcessor processor = new LlmCallBeanRegistrationAotProcessor();

	@Test
	void registersTheLlmCallMethodsAndEveryOverloadOfTheirFallbackMethods() {
		DefaultGenerationContext context = process(Summaries.class);

		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Summaries.class, "summarise"))
			.accepts(context.getRuntimeHints());
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Summaries.class, "headline"))
			.accepts(context.getRuntimeHints());
		assertThat(Summaries.class.getDeclaredMethods()).filteredOn((method) -> method.getName().equals("unavailable"))
			.hasSize(2)
			.allSatisfy((fallback) -> assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(fallback))
				.accepts(context.getRuntimeHints()));
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Summaries.class, "unrelated"))
			.rejects(context.getRuntimeHints());
	}

	@Test
	void registersTheMethodsASubclassInheritsFromItsSuperclass() {
		DefaultGenerationContext context = process(MoreSummaries.class);

		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Summaries.class, "summarise"))
			.accepts(context.getRuntimeHints());
	}

	@Test
	void aBeanWithoutLlmCallMethodsGetsNoContribution() {
		this.beanFactory.registerBeanDefinition("plain", new RootBeanDefinition(Plain.class));

		assertThat(this.processor.processAheadOfTime(RegisteredBean.of(this.beanFactory, "plain"))).isNull();
	}

	@Test
	void theProcessorIsListedInAotFactories() {
		assertThat(AotServices.factories().load(BeanRegistrationAotProcessor.class))
			.hasAtLeastOneElementOfType(LlmCallBeanRegistrationAotProcessor.class);
	}

	private DefaultGenerationContext process(Class<?> beanClass) {
		this.beanFactory.registerBeanDefinition("bean", new RootBeanDefinition(beanClass));
		BeanRegistrationAotContribution contribution = this.processor
			.processAheadOfTime(RegisteredBean.of(this.beanFactory, "bean"));
		assertThat(contribution).isNotNull();
		DefaultGenerationContext context = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get(getClass().getPackageName(), "Aot")),
				new InMemoryGeneratedFiles());
		contribution.applyTo(context, unusedCode());
		return context;
	}

	/**
	 * The contribution adds hints only: the bean's registration code is left as it is.
	 */
	private static BeanRegistrationCode unusedCode() {
		return (BeanRegistrationCode) Proxy.newProxyInstance(BeanRegistrationCode.class.getClassLoader(),
				new Class<?>[] { BeanRegistrationCode.class }, (proxy, method, arguments) -> {
					throw new UnsupportedOperationException(method.getName());
				});
	}

	static class Summaries {

		@LlmCall(policy = "summaries", fallbackMethod = "unavailable")
		public Mono<String> summarise(String text) {
			return Mono.just(text);
		}

		@LlmCall
		public String headline(String text) {
			return text;
		}

		public Mono<String> unavailable(String text, LlmException cause) {
			return Mono.just("unavailable");
		}

		Mono<String> unavailable(String text, Throwable cause) {
			return Mono.just("unavailable");
		}

		public String unrelated(String text) {
			return text;
		}

	}

	static class MoreSummaries extends Summaries {

	}

	static class Plain {

		public String unrelated(String text) {
			return text;
		}

	}

}
