package io.github.llmresilience.shared;

import java.util.Map;

/**
 * What the {@code llm} health contributor shows of the shared state, as its
 * {@code sharedState} detail. Redis being down never makes the application DOWN: the
 * instance goes on with its own state.
 */
public interface SharedState {

	/**
	 * Return whether Redis answers now.
	 * @return whether the state is shared
	 */
	boolean available();

	/**
	 * Return the details for the health contributor: the type, {@code status} (UP or
	 * DOWN), since when, why it is down, and the cooldowns waiting to be published.
	 * @return the details
	 */
	Map<String, Object> details();

}
