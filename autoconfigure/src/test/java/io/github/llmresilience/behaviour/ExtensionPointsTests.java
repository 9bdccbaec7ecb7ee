package io.github.llmresilience.behaviour;

import java.util.ArrayList;
import java.util.List;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.aop.framework.autoproxy.DefaultAdvisorAutoProxyCreator;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.LlmCall;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmProviderCustomizer;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a user adds around the starter without replacing its beans: provider customizers,
 * the order of the {@code @LlmCall} advisor, and {@code @LlmCall} methods inherited by
 * several beans.
 */
class ExtensionPointsTests extends BehaviourTestSupport {

	@Test
	void providerCustomizersAreAppliedInOrderToTheNamedProviderOnly() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("primary"));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("backup"));
		runner("llm.policies.backup-only.provider=backup", "llm.policies.backup-only.model=" + FALLBACK)
			.withUserConfiguration(Customizers.class)
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				StepVerifier.create(llm.chat(ChatRequest.builder().user("hi").build()))
					.expectNextCount(1)
					.verifyComplete();
				StepVerifier.create(llm.chat("backup-only", ChatRequest.builder().user("hi").build()))
					.expectNextCount(1)
					.verifyComplete();
			});
		RecordedRequest toOpenai = primaryRequests().get(0);
		RecordedRequest toBackup = fallbackRequests().get(0);
		assertThat(toOpenai.header("X-Tenant")).isEqualTo("acme");
		assertThat(toOpenai.header("X-Order")).isEqualTo("first,second");
		assertThat(toBackup.header("X-Tenant")).isNull();
		assertThat(toBackup.header("X-Order")).isEqualTo("first,second");
	}

	@Test
	void beansThatInheritOneLlmCallMethodEachUseTheirOwnFallbackMethod() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		runner("llm.policies.default.retry.max-attempts=1").withUserConfiguration(InheritingBeans.class)
			.run((context) -> {
				StepVerifier.create(context.getBean(EnglishAsker.class).ask("q"))
					.expectNext("fallback in English")
					.verifyComplete();
				StepVerifier.create(context.getBean(FrenchAsker.class).ask("q"))
					.expectNext("repli en français")
					.verifyComplete();
			});
	}

	@Test
	void byDefaultTheLlmCallAdvisorRunsAroundExistingAdvisorsSoEachAttemptPassesThem() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503))
			.thenAlways(FakeResponse.ok("third time"));
		runner().withUserConfiguration(CountingAdvisor.class).run((context) -> {
			Served served = context.getBean(BlockingAsker.class).ask("q").served();
			assertThat(served.attempts()).isEqualTo(3);
			assertThat(context.getBean(CountingAdvisor.class).invocations).hasSize(3);
		});
	}

	@Test
	void anAdvisorOrderAboveAnotherAdvisorsRunsRetriesInsideIt() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503))
			.thenAlways(FakeResponse.ok("third time"));
		runner("llm.call.advisor-order=" + (CountingAdvisor.ORDER + 1)).withUserConfiguration(CountingAdvisor.class)
			.run((context) -> {
				Served served = context.getBean(BlockingAsker.class).ask("q").served();
				assertThat(served.attempts()).isEqualTo(3);
				assertThat(context.getBean(CountingAdvisor.class).invocations).hasSize(1);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class Customizers {

		@Bean
		LlmProviderCustomizer second() {
			return (provider, builder) -> builder.filter(appendToHeader("X-Order", "second"));
		}

		@Bean
		LlmProviderCustomizer first() {
			return new OrderedCustomizer();
		}

		@Bean
		LlmProviderCustomizer tenantForOpenai() {
			return (provider, builder) -> {
				if (provider.equals("openai")) {
					builder.defaultHeader("X-Tenant", "acme");
				}
			};
		}

		private static ExchangeFilterFunction appendToHeader(String name, String value) {
			return (request, next) -> next.exchange(ClientRequest.from(request).headers((headers) -> {
				String current = headers.getFirst(name);
				headers.set(name, (current != null) ? current + "," + value : value);
			}).build());
		}

		static final class OrderedCustomizer implements LlmProviderCustomizer, Ordered {

			@Override
			public void customize(String provider, WebClient.Builder builder) {
				builder.filter(appendToHeader("X-Order", "first"));
			}

			@Override
			public int getOrder() {
				return Ordered.HIGHEST_PRECEDENCE;
			}

		}

	}

	abstract static class Asker {

		private final LlmClient llm;

		Asker(LlmClient llm) {
			this.llm = llm;
		}

		@LlmCall(fallbackMethod = "fallback")
		public Mono<String> ask(String question) {
			return this.llm.chat(ChatRequest.builder().user(question).build()).map(ChatResponse::content);
		}

	}

	static class EnglishAsker extends Asker {

		EnglishAsker(LlmClient llm) {
			super(llm);
		}

		public Mono<String> fallback(String question, Throwable failure) {
			return Mono.just("fallback in English");
		}

	}

	static class FrenchAsker extends Asker {

		FrenchAsker(LlmClient llm) {
			super(llm);
		}

		public Mono<String> fallback(String question, Throwable failure) {
			return Mono.just("repli en français");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InheritingBeans {

		@Bean
		EnglishAsker englishAsker(LlmClient llm) {
			return new EnglishAsker(llm);
		}

		@Bean
		FrenchAsker frenchAsker(LlmClient llm) {
			return new FrenchAsker(llm);
		}

	}

	static class BlockingAsker {

		private final LlmClient llm;

		BlockingAsker(LlmClient llm) {
			this.llm = llm;
		}

		@LlmCall
		@Counted
		public ChatResponse ask(String question) {
			return this.llm.chat(ChatRequest.builder().user(question).build()).block();
		}

	}

	@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
	@java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
	@interface Counted {

	}

	/**
	 * An advisor that another part of the application applies first, as the transaction
	 * infrastructure does: an auto-proxy creator of the highest precedence.
	 */
	@Configuration(proxyBeanMethods = false)
	static class CountingAdvisor {

		static final int ORDER = 100;

		final List<String> invocations = new ArrayList<>();

		@Bean
		static DefaultAdvisorAutoProxyCreator autoProxyCreator() {
			DefaultAdvisorAutoProxyCreator creator = new DefaultAdvisorAutoProxyCreator();
			creator.setOrder(Ordered.HIGHEST_PRECEDENCE);
			creator.setProxyTargetClass(true);
			return creator;
		}

		@Bean
		DefaultPointcutAdvisor countingAdvisor() {
			DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(
					new AnnotationMatchingPointcut(null, Counted.class, true), (MethodInterceptor) (invocation) -> {
						synchronized (this.invocations) {
							this.invocations.add(invocation.getMethod().getName());
						}
						return invocation.proceed();
					});
			advisor.setOrder(ORDER);
			return advisor;
		}

		@Bean
		BlockingAsker blockingAsker(LlmClient llm) {
			return new BlockingAsker(llm);
		}

	}

}
