package io.github.llmresilience.behaviour;

import java.util.List;

/**
 * The live threads of a JVM by name, for tests that check what a shut-down application
 * leaves behind. A class of its own in the test-jar, so that tests of other modules (the
 * starter's Redis ITs) use it without the auto-configurations that
 * {@link BehaviourTestSupport} needs on the class path.
 */
public final class LiveThreads {

	private LiveThreads() {
	}

	/**
	 * Return the names of the live threads whose name starts with a prefix, such as
	 * {@code llm-} for the threads of llm-resilience.
	 * @param prefix the prefix
	 * @return the names
	 */
	public static List<String> named(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(Thread::getName)
			.filter((name) -> name.startsWith(prefix))
			.toList();
	}

}
