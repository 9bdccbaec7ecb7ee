package io.github.llmresilience.behaviour;

import java.util.List;

import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One way an auto-configuration is switched off (a property, or a library missing from
 * the class path) and the beans it then does not register: a case of an {@code isOff}
 * parameterized test, named after the switch.
 *
 * @param name what switches it off, as the test's name says it
 * @param runner the runner of the auto-configuration, switched off
 * @param absentBeans the types of the beans the context then does not have
 */
public record SwitchedOff(String name, ApplicationContextRunner runner, List<Class<?>> absentBeans) {

	/**
	 * Switched off by a property.
	 * @param runner the runner of the auto-configuration
	 * @param property the property, {@code name=value}
	 * @param absentBeans the types of the beans the context then does not have
	 * @return the case
	 */
	public static SwitchedOff byProperty(ApplicationContextRunner runner, String property, Class<?>... absentBeans) {
		return new SwitchedOff("with " + property, runner.withPropertyValues(property), List.of(absentBeans));
	}

	/**
	 * Switched off by classes missing from the class path.
	 * @param runner the runner of the auto-configuration
	 * @param hidden the classes the class path does not have
	 * @param absentBeans the types of the beans the context then does not have
	 * @return the case
	 */
	public static SwitchedOff without(ApplicationContextRunner runner, List<Class<?>> hidden, Class<?>... absentBeans) {
		return new SwitchedOff("without " + hidden.stream().map(Class::getSimpleName).toList() + " on the class path",
				runner.withClassLoader(new FilteredClassLoader(hidden.toArray(Class<?>[]::new))), List.of(absentBeans));
	}

	/**
	 * Assert that the context the runner starts, switched off this way, starts without
	 * these beans.
	 */
	public void assertOff() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			this.absentBeans.forEach((type) -> assertThat(context).doesNotHaveBean(type));
		});
	}

	@Override
	public String toString() {
		return this.name;
	}

}
