package io.github.llmresilience.client;

/**
 * A request counted against its target's rate-limit headers when it was sent: its place
 * in the order of the target's requests, the tokens counted for it, and what of the
 * target's requests was still in flight then. It travels to the {@link RateLimitObserver}
 * with the answer's headers (the client is given it with the request), so that what the
 * answer reports is set against the requests sent after it and against those that were in
 * flight beside it, which the provider may have counted after it.
 *
 * @param sequence the number of the request among the target's, from 1
 * @param tokensSent the tokens counted for the target's requests up to this one, included
 * @param counted the tokens counted for this request against the reported token budget
 * @param tokens the tokens shown as reserved in flight for this request
 * @param inFlightBefore the target's counted requests in flight when this one was sent,
 * not counting it
 * @param tokensInFlightBefore the tokens counted for those requests
 */
public record SentRequest(long sequence, long tokensSent, long counted, long tokens, long inFlightBefore,
		long tokensInFlightBefore) {

	/**
	 * Return a request in flight that is not counted against the headers.
	 * @param tokens the tokens shown as reserved in flight for it
	 * @return the request
	 */
	public static SentRequest uncounted(long tokens) {
		return new SentRequest(0, 0, 0, tokens, 0, 0);
	}

}
