package io.github.llmresilience.behaviour;

import java.util.List;

import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.support.GenericApplicationContext;

import io.github.llmresilience.LlmClient;

import static io.github.llmresilience.behaviour.StartupFailures.failsToStart;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tests every auto-configuration of a framework's models on {@code LlmClient} shares
 * (Spring AI's and LangChain4j's chat and embedding models): the models run the policy
 * their {@code policy} property names, a policy that does not exist stops the start
 * naming that property and the policies there are, and the auto-configuration backs off
 * for an application's own models; and how a start that finds two models of a type is
 * explained.
 */
public interface ModelAutoConfigurationTests {

	/**
	 * Return the auto-configured models under test.
	 * @return the models, their runner and their settings
	 */
	AutoConfiguredModels autoConfiguredModels();

	@Test
	default void runsCallsUnderTheConfiguredPolicy() {
		AutoConfiguredModels models = autoConfiguredModels();
		models.runner()
			.withPropertyValues(models.prefix() + ".policy=" + models.configuredPolicy())
			.run(models::assertEachRunsTheConfiguredPolicy);
	}

	@Test
	default void unknownConfiguredPolicyFailsStartUpNamingThePropertyAndThePolicies() {
		AutoConfiguredModels models = autoConfiguredModels();
		models.runner()
			.withPropertyValues(models.prefix() + ".policy=nowhere")
			.run(failsToStart(InvalidConfigurationPropertyValueException.class, models.prefix() + ".policy",
					"No policy named 'nowhere'", models.policies().toString()));
	}

	@Test
	default void backsOffForAnApplicationsOwnModels() {
		AutoConfiguredModels models = autoConfiguredModels();
		models.withOwnModels(models.runner()).run(models::assertEachRunsTheConfiguredPolicy);
	}

	/**
	 * An auto-configuration's models and what these tests need to know of them.
	 *
	 * @param runner the runner of the auto-configuration, with the policies of
	 * {@code policies}
	 * @param prefix the prefix of the models' properties, such as
	 * {@code llm.spring-ai.chat-model}
	 * @param policies the policies the runner configures, in the order it configures them
	 * @param configuredPolicy a policy of the models' type other than the one they run by
	 * default: the one these tests configure, and the one the application's own models
	 * run
	 * @param types the types of the models the auto-configuration registers; each has a
	 * {@code getPolicy()} and a constructor of an {@code LlmClient} and a policy
	 */
	record AutoConfiguredModels(ApplicationContextRunner runner, String prefix, List<String> policies,
			String configuredPolicy, Class<?>... types) {

		/**
		 * Register the application's own models, one of each type, each running the
		 * configured policy, as {@code my} and the type's simple name.
		 * @param runner the runner
		 * @return the runner with the models
		 */
		public ApplicationContextRunner withOwnModels(ApplicationContextRunner runner) {
			ApplicationContextRunner withModels = runner;
			for (Class<?> type : this.types) {
				withModels = withModels
					.withInitializer((context) -> registerOwnModel((GenericApplicationContext) context, type));
			}
			return withModels;
		}

		private <T> void registerOwnModel(GenericApplicationContext context, Class<T> type) {
			context.registerBean("my" + type.getSimpleName(), type, () -> {
				try {
					return type.getConstructor(LlmClient.class, String.class)
						.newInstance(context.getBean(LlmClient.class), this.configuredPolicy);
				}
				catch (ReflectiveOperationException ex) {
					throw new IllegalStateException("A " + type.getName() + " of an LlmClient and a policy", ex);
				}
			});
		}

		/**
		 * Assert that the context has one model of each type and that each runs the
		 * configured policy.
		 * @param context the context
		 */
		void assertEachRunsTheConfiguredPolicy(AssertableApplicationContext context) {
			for (Class<?> type : this.types) {
				assertThat(context).hasSingleBean(type);
				assertThat(context.getBean(type)).as("the policy of the %s", type.getSimpleName())
					.extracting("policy")
					.isEqualTo(this.configuredPolicy);
			}
		}

		/**
		 * Assert that an analysis explains a start that failed because something needs
		 * one model of a type and there are two, the auto-configured one and another: it
		 * names both, and its action says how to choose, with the models' properties or
		 * {@code @Primary}.
		 * @param analysis the analysis
		 * @param type the simple name of the type there are two of
		 * @param ours the auto-configured model's bean name
		 * @param ourType its type
		 * @param other the other model's bean name
		 * @param otherType its type
		 * @return the assertion on the action, for what else it says
		 */
		public AbstractStringAssert<?> assertExplainsTwoModels(FailureAnalysis analysis, String type, String ours,
				Class<?> ourType, String other, Class<?> otherType) {
			assertThat(analysis.getDescription())
				.contains("needs one " + type + ", but there are 2 and none is primary")
				.contains("- " + ours + ": llm-resilience's " + ourType.getSimpleName())
				.contains("- " + other + " (" + otherType.getName() + ")");
			return assertThat(analysis.getAction()).contains(this.prefix + ".primary=true")
				.contains(this.prefix + ".enabled=false")
				.contains("@Primary");
		}

	}

}
