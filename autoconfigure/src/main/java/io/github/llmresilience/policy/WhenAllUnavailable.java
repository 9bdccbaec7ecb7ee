package io.github.llmresilience.policy;

/**
 * What a call does when every target of its policy is out: its circuit open, a wait its
 * server named, a rate limit used up for longer than the policy waits
 * ({@code llm.policies.<name>.when-all-unavailable}).
 */
public enum WhenAllUnavailable {

	/**
	 * End the call at once, with the earliest instant a target is expected back
	 * ({@code LlmException.earliestAvailableAt()}).
	 */
	FAIL,

	/**
	 * Wait once, without a thread, until the earliest instant a target is expected back
	 * plus 0 to 10 % of that wait, if that is within the call's deadline and
	 * {@code max-retry-after}, then try the targets again from the first.
	 */
	WAIT,

	/**
	 * Send one request, taking a permit of its provider's retry budget, to the first
	 * target whose circuit its failures opened (never to one its server named a time
	 * for): a success moves that circuit to half-open and answers the call, a failure is
	 * recorded nowhere.
	 */
	PROBE

}
