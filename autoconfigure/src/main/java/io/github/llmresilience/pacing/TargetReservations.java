package io.github.llmresilience.pacing;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import io.github.llmresilience.client.RateLimitHeaders.Limit;
import io.github.llmresilience.client.RateLimitHeaders.Snapshot;
import io.github.llmresilience.client.SentRequest;
import io.github.llmresilience.observation.RateLimitType;

/**
 * What one target's requests hold of its reported rate limits, and what is in flight.
 *
 * <p>
 * The last {@code x-ratelimit-remaining-requests} / {@code -tokens} a target reported is
 * a budget from which every request sent after the one that reported it is subtracted,
 * until a newer report or the limit's reset; at zero (for tokens: less than the next
 * request counts) the target is held back until the reset. Requests are numbered as they
 * are sent, and a report counts for the request it answers:
 * {@code budget = remaining − (requests sent since that one)}, and for tokens
 * {@code remaining − (tokens counted for the requests sent since that one)}.
 *
 * <p>
 * <b>Answers out of order.</b> Of two reports, the one whose request was sent later wins;
 * a report whose request was sent before the one already kept is ignored, so an answer
 * that arrives late never raises the budget again. Newest-by-sending, rather than the
 * lowest report of a window, because the provider counts requests as they arrive: the
 * later-sent request's report already counts every earlier one it saw, and what it did
 * not see is still subtracted as sent after the kept report's request. It also needs no
 * notion of which window a report belongs to: a report from after the reset (higher,
 * rightly) is accepted because its request was sent later.
 *
 * <p>
 * Thread-safe; its methods take a short lock.
 */
public final class TargetReservations {

	private long sent;

	private long tokensSent;

	private long inFlight;

	private long tokensInFlight;

	private @Nullable Report requests;

	private @Nullable Report tokens;

	/**
	 * Count a request about to be sent, if the reported budgets allow it.
	 * @param tokens the tokens the request counts against the reported token budget, as
	 * the provider counts them
	 * @param reserved the tokens shown as reserved in flight for it
	 * @param now the current instant
	 * @return the request as counted, or until when the target is held back and by which
	 * limit
	 */
	public synchronized Outcome trySend(long tokens, long reserved, Instant now) {
		roll(now);
		Report requests = live(this.requests, now);
		if (requests != null && requests.remaining - (this.sent - requests.sequence) <= 0) {
			return new Outcome(null, requests.reset, RateLimitType.REQUESTS);
		}
		Report budget = live(this.tokens, now);
		if (budget != null) {
			long left = budget.remaining - (this.tokensSent - budget.tokensSent);
			if (left <= 0 || tokens > left) {
				return new Outcome(null, budget.reset, RateLimitType.TOKENS);
			}
		}
		this.sent++;
		this.tokensSent += tokens;
		this.inFlight++;
		this.tokensInFlight += reserved;
		return new Outcome(new SentRequest(this.sent, this.tokensSent, reserved), null, null);
	}

	/**
	 * Take what an answer reported.
	 * @param snapshot the answer's rate-limit headers
	 * @param request the request it answers, or {@code null} if it was not counted (then
	 * it is taken as the newest)
	 */
	public synchronized void reported(Snapshot snapshot, @Nullable SentRequest request, Instant now) {
		long sequence = this.sent;
		long tokensSent = this.tokensSent;
		if (request != null && request.sequence() > 0) {
			sequence = request.sequence();
			tokensSent = request.tokensSent();
		}
		this.requests = newer(this.requests, snapshot.requests(), sequence, tokensSent, now);
		this.tokens = newer(this.tokens, snapshot.tokens(), sequence, tokensSent, now);
	}

	/**
	 * Take note that a counted request is over: answered, failed or cancelled.
	 * @param request the request
	 */
	public synchronized void finished(SentRequest request) {
		this.inFlight--;
		this.tokensInFlight -= request.tokens();
	}

	/**
	 * Count a request in flight that the headers do not count: a request to a provider
	 * whose headers are not read, for the gauge of what is reserved in flight.
	 * @param reserved the tokens reserved for it
	 * @return the request as counted
	 */
	public synchronized SentRequest sendUncounted(long reserved) {
		this.inFlight++;
		this.tokensInFlight += reserved;
		return new SentRequest(0, 0, reserved);
	}

	/**
	 * Return the requests in flight.
	 * @return the requests sent and not over yet
	 */
	public synchronized long inFlight() {
		return this.inFlight;
	}

	/**
	 * Return the tokens reserved by the requests in flight.
	 * @return the tokens
	 */
	public synchronized long tokensInFlight() {
		return this.tokensInFlight;
	}

	/**
	 * Return what is left of a reported budget now.
	 * @param limit requests or tokens
	 * @param now the current instant
	 * @return what is left, or {@code null} if no report is live
	 */
	public synchronized @Nullable Long left(RateLimitType limit, Instant now) {
		roll(now);
		if (limit == RateLimitType.REQUESTS) {
			Report report = live(this.requests, now);
			return (report != null) ? report.remaining - (this.sent - report.sequence) : null;
		}
		Report report = live(this.tokens, now);
		return (report != null) ? report.remaining - (this.tokensSent - report.tokensSent) : null;
	}

	private static @Nullable Report live(@Nullable Report report, Instant now) {
		return (report != null && report.reset != null && report.reset.isAfter(now)) ? report : null;
	}

	/**
	 * At a report's reset its whole limit is there again: a report that said the limit
	 * rolls over into a budget of that limit, from which the requests sent from then on
	 * are subtracted, until a newer report or the next reset (as long after as the
	 * report's reset was after its answer). Without it, every request waiting for the
	 * reset would go at once, and a limit smaller than the requests in flight would
	 * answer 429 in every window, not only in the first.
	 */
	private void roll(Instant now) {
		this.requests = rolled(this.requests, now);
		this.tokens = rolled(this.tokens, now);
	}

	private @Nullable Report rolled(@Nullable Report report, Instant now) {
		if (report == null) {
			return null;
		}
		Instant reset = report.reset;
		Long limit = report.limit;
		Duration window = report.window;
		if (reset == null || reset.isAfter(now) || limit == null || window == null) {
			return report;
		}
		long windows = Duration.between(reset, now).toNanos() / window.toNanos() + 1;
		return new Report(limit, reset.plus(window.multipliedBy(windows)), this.sent, this.tokensSent, limit, window);
	}

	private static @Nullable Report newer(@Nullable Report kept, Limit limit, long sequence, long tokensSent,
			Instant now) {
		Long remaining = limit.remaining();
		if (remaining == null || (kept != null && sequence <= kept.sequence)) {
			return kept;
		}
		Instant reset = limit.reset();
		// The longest time to a reset seen is the best guess of a window's length: an
		// answer late in a window sees only its end, one read after its reset none.
		Duration window = (reset != null && reset.isAfter(now)) ? Duration.between(now, reset) : null;
		if (kept != null && kept.window != null && (window == null || kept.window.compareTo(window) > 0)) {
			window = kept.window;
		}
		Long whole = (limit.limit() != null) ? limit.limit() : ((kept != null) ? kept.limit : null);
		return new Report(remaining, reset, sequence, tokensSent, whole, window);
	}

	/**
	 * What a report said, and how far the target's requests were counted when its request
	 * was sent.
	 *
	 * @param remaining what was left
	 * @param reset when the limit is whole again
	 * @param sequence the number of the request the report answers
	 * @param tokensSent the tokens counted up to that request
	 * @param limit the whole limit, or {@code null} if not reported
	 * @param window how long after the answer the reset came: the length of the next
	 * window
	 */
	private record Report(long remaining, @Nullable Instant reset, long sequence, long tokensSent, @Nullable Long limit,
			@Nullable Duration window) {

	}

	/**
	 * What {@link #trySend} decided.
	 *
	 * @param sent the request as counted, or {@code null} if it is held back
	 * @param heldUntil the reset it is held back until, or {@code null}
	 * @param limit the limit that holds it back, or {@code null}
	 */
	public record Outcome(@Nullable SentRequest sent, @Nullable Instant heldUntil, @Nullable RateLimitType limit) {

	}

}
