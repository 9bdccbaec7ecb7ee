package io.github.llmresilience.interceptor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.function.SingletonSupplier;

import io.github.llmresilience.LlmCall;
import io.github.llmresilience.execution.LlmExecutor;
import io.github.llmresilience.interceptor.LlmCallMethods.LlmCallMethod;
import io.github.llmresilience.policy.LlmPolicies;
import io.github.llmresilience.policy.PolicyType;
import io.github.llmresilience.policy.ResolvedPolicy;

/**
 * Applies {@code @LlmCall}: an advisor with an annotation pointcut and the
 * {@link LlmCallInterceptor}, added to every bean with an {@code @LlmCall} method, as
 * Spring Framework's {@code @Retryable} is applied (no AspectJ weaver). Each annotated
 * method is checked once, when its bean is created: methods a proxy cannot intercept and
 * fallback methods that do not fit fail the start, and so do unknown policies, once every
 * bean exists.
 */
public class LlmCallAnnotationBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
		implements SmartInitializingSingleton {

	/**
	 * The reactive types that {@code @LlmCall} methods may return.
	 */
	private final ReactiveAdapterRegistry adapters = ReactiveAdapterRegistry.getSharedInstance();

	/**
	 * The {@code @LlmCall} methods of each bean class, found once.
	 */
	private final Map<Class<?>, List<LlmCallMethod>> resolved = new ConcurrentHashMap<>();

	/**
	 * Every {@code @LlmCall} method found, for the check of their policies once all beans
	 * exist.
	 */
	private final List<LlmCallMethod> annotated = new ArrayList<>();

	/**
	 * The bean factory, for the executor and the policies.
	 */
	private @Nullable BeanFactory beanFactory;

	/**
	 * The interceptor that runs every {@code @LlmCall} method.
	 */
	private final LlmCallInterceptor interceptor;

	/**
	 * The advisor of {@code @LlmCall} methods.
	 */
	private final DefaultPointcutAdvisor llmCallAdvisor;

	/**
	 * The advisor's order, or {@code null} to run around every other advisor.
	 */
	private @Nullable Integer advisorOrder;

	/**
	 * Create the post-processor.
	 */
	public LlmCallAnnotationBeanPostProcessor() {
		setBeforeExistingAdvisors(true);
		// A CGLIB proxy also intercepts @LlmCall methods that no interface declares.
		setProxyTargetClass(true);
		this.interceptor = new LlmCallInterceptor(SingletonSupplier.of(() -> beanFactory().getBean(LlmExecutor.class)),
				SingletonSupplier.of(() -> beanFactory().getBean(LlmPolicies.class)));
		this.llmCallAdvisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, LlmCall.class, true),
				this.interceptor);
		this.advisor = this.llmCallAdvisor;
	}

	/**
	 * Set the order of the {@code @LlmCall} advisor among the advisors already applied to
	 * a bean (such as {@code @Transactional}'s): a lower value runs around a higher one.
	 * Unset, it runs around every other advisor, so each attempt of a blocking method
	 * runs the advisors inside it again (a transaction per attempt).
	 * @param order the order ({@code llm.call.advisor-order})
	 */
	public void setAdvisorOrder(int order) {
		this.advisorOrder = order;
		this.llmCallAdvisor.setOrder(order);
		setBeforeExistingAdvisors(false);
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		super.setBeanFactory(beanFactory);
		this.beanFactory = beanFactory;
	}

	private BeanFactory beanFactory() {
		if (this.beanFactory == null) {
			throw new IllegalStateException("No BeanFactory");
		}
		return this.beanFactory;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		Class<?> targetClass = AopUtils.getTargetClass(bean);
		if (AnnotationUtils.isCandidateClass(targetClass, LlmCall.class)) {
			List<LlmCallMethod> methods = this.resolved.computeIfAbsent(targetClass, (type) -> {
				List<LlmCallMethod> found = LlmCallMethods.find(type, this.adapters);
				this.interceptor.register(type, found);
				synchronized (this.annotated) {
					this.annotated.addAll(found);
				}
				return found;
			});
			if (methods.isEmpty()) {
				return bean;
			}
			if (this.advisorOrder != null && bean instanceof Advised advised && !advised.isFrozen()
					&& isEligible(targetClass)) {
				advised.addAdvisor(position(advised.getAdvisors()), this.llmCallAdvisor);
				return bean;
			}
		}
		return super.postProcessAfterInitialization(bean, beanName);
	}

	/**
	 * Return where the advisor goes among a proxy's advisors, by order: after those that
	 * run around it (a lower or equal order), before the others.
	 */
	private int position(Advisor[] advisors) {
		for (int i = 0; i < advisors.length; i++) {
			if (AnnotationAwareOrderComparator.INSTANCE.compare(this.llmCallAdvisor, advisors[i]) < 0) {
				return i;
			}
		}
		return advisors.length;
	}

	@Override
	public void afterSingletonsInstantiated() {
		LlmPolicies policies = beanFactory().getBean(LlmPolicies.class);
		synchronized (this.annotated) {
			for (LlmCallMethod method : this.annotated) {
				if (!policies.contains(method.policy())) {
					String where = LlmCallMethods.describe(method.method(), method.method().getDeclaringClass());
					String policy = method.policy().isEmpty() ? LlmPolicies.DEFAULT : method.policy();
					String advice = policies.howToAdd(policy);
					throw new LlmCallConfigurationException(
							"@LlmCall on " + where
									+ (method.policy().isEmpty() ? " names no policy"
											: " names policy '" + policy + "'")
									+ ", but llm.policies." + policy + " is not configured.",
							Character.toUpperCase(advice.charAt(0)) + advice.substring(1) + ".");
				}
				ResolvedPolicy policy = policies.get(method.policy());
				if (policy.type() != PolicyType.CHAT) {
					String where = LlmCallMethods.describe(method.method(), method.method().getDeclaringClass());
					throw new LlmCallConfigurationException(
							"@LlmCall on " + where + " runs policy '" + policy.name() + "', which serves embeddings "
									+ "(llm.policies." + policy.name() + ".type=embeddings), not chat completions.",
							"Name a chat policy in @LlmCall; embeddings calls (LlmClient.embed) run their own policy "
									+ "inside an @LlmCall method, so they need no annotation.");
				}
			}
		}
	}

}
