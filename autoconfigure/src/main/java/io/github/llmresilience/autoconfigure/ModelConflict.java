package io.github.llmresilience.autoconfigure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;

/**
 * Beans of a model type of which something needs one, llm-resilience's among them (the
 * Spring AI and LangChain4j modules' models): which one is llm-resilience's, what the
 * others are, and how the failure analyzers of those modules describe the clash.
 *
 * @param ours the name of llm-resilience's bean
 * @param others the other beans, each as {@code name (class)}
 */
public record ModelConflict(String ours, List<String> others) {

	/**
	 * Find llm-resilience's bean among the beans found.
	 * @param beanFactory the bean factory of the failed context
	 * @param found the names of the beans found
	 * @param ourType the class of llm-resilience's model
	 * @return the conflict, or {@code null} if none of the beans is llm-resilience's
	 */
	public static @Nullable ModelConflict among(BeanFactory beanFactory, Collection<String> found, Class<?> ourType) {
		String ours = null;
		List<String> others = new ArrayList<>();
		for (String name : found) {
			if (ours == null && isType(beanFactory, name, ourType)) {
				ours = name;
			}
			else {
				others.add(name + " (" + typeName(beanFactory, name) + ")");
			}
		}
		return (ours != null) ? new ModelConflict(ours, List.copyOf(others)) : null;
	}

	/**
	 * Describe the clash: what needed one model, and each bean found.
	 * @param needer what needed one, such as {@code A component}
	 * @param type the model type it needed
	 * @param ourType the class of llm-resilience's model
	 * @param nonePrimary whether to say that none is primary (when a primary one would
	 * have served)
	 * @return the description
	 */
	public String describe(String needer, Class<?> type, Class<?> ourType, boolean nonePrimary) {
		String newline = String.format("%n");
		return needer + " needs one " + type.getSimpleName() + ", but there are " + (1 + this.others.size())
				+ (nonePrimary ? " and none is primary" : "") + ":" + newline + "\t- " + this.ours
				+ ": llm-resilience's " + ourType.getSimpleName()
				+ ", which sends calls through the llm-resilience policies" + newline + "\t- "
				+ String.join(newline + "\t- ", this.others);
	}

	private static boolean isType(BeanFactory beanFactory, String name, Class<?> type) {
		try {
			return beanFactory.isTypeMatch(name, type);
		}
		catch (NoSuchBeanDefinitionException ex) {
			return false;
		}
	}

	private static String typeName(BeanFactory beanFactory, String name) {
		try {
			Class<?> type = beanFactory.getType(name, false);
			return (type != null) ? type.getName() : "unknown type";
		}
		catch (NoSuchBeanDefinitionException ex) {
			return "unknown type";
		}
	}

}
