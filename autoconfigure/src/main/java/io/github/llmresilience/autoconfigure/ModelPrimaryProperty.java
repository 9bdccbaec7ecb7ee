package io.github.llmresilience.autoconfigure;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code primary} property of a model backed by llm-resilience (the Spring AI and
 * LangChain4j modules' {@code ChatModel}s and {@code EmbeddingModel}s): set to
 * {@code true}, the models an auto-configuration's {@code @Bean} methods registered
 * become primary, the ones injected by type next to another library's models. A model the
 * application defines itself, for which the auto-configuration backed off, is left as it
 * is.
 *
 * <p>
 * It is registered by a {@code static} {@code @Bean} method of that auto-configuration,
 * and binds the property as Spring Boot binds a {@code boolean} of
 * {@code @ConfigurationProperties}: {@code true} in any case (or {@code yes}, {@code on},
 * {@code 1}), and a value that is no boolean stops the start with Boot's description of
 * the property that failed to bind and its value.
 */
public final class ModelPrimaryProperty implements BeanFactoryPostProcessor {

	private final Environment environment;

	private final String property;

	private final Class<?> autoConfiguration;

	/**
	 * Create the property of the models an auto-configuration registers.
	 * @param environment the environment that holds the property
	 * @param property the property, such as {@code llm.spring-ai.chat-model.primary}
	 * @param autoConfiguration the auto-configuration whose instance {@code @Bean}
	 * methods register the models
	 */
	public ModelPrimaryProperty(Environment environment, String property, Class<?> autoConfiguration) {
		this.environment = environment;
		this.property = property;
		this.autoConfiguration = autoConfiguration;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		if (!Binder.get(this.environment).bind(this.property, Boolean.class).orElse(false)) {
			return;
		}
		for (String name : beanFactory.getBeanDefinitionNames()) {
			BeanDefinition definition = beanFactory.getBeanDefinition(name);
			if (registeredByAutoConfiguration(beanFactory, definition)) {
				definition.setPrimary(true);
			}
		}
	}

	private boolean registeredByAutoConfiguration(ConfigurableListableBeanFactory beanFactory,
			BeanDefinition definition) {
		String factoryBean = definition.getFactoryBeanName();
		return factoryBean != null && beanFactory.containsBeanDefinition(factoryBean)
				&& this.autoConfiguration.getName()
					.equals(beanFactory.getBeanDefinition(factoryBean).getBeanClassName());
	}

}
