package io.github.llmresilience.client;

/**
 * A request counted against its target's rate-limit headers when it was sent: its place
 * in the order of the target's requests, and the tokens counted for it. It travels to the
 * {@link RateLimitObserver} with the answer's headers (the client is given it with the
 * request), so that what the answer reports is set against the requests sent after it.
 *
 * @param sequence the number of the request among the target's, from 1
 * @param tokensSent the tokens counted for the target's requests up to this one, included
 * @param tokens the tokens counted for this request
 */
public record SentRequest(long sequence, long tokensSent, long tokens) {

}
