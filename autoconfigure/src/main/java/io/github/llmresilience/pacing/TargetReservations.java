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
 * a budget from which every request the provider may not have counted yet is subtracted,
 * until a newer report or the limit's reset; at zero (for tokens: less than the next
 * request counts) the target is held back until the reset. Requests are numbered as they
 * are sent, and a report counts for the request it answers. The provider counts requests
 * as they arrive, and requests sent at once arrive in any order, so a report has not
 * necessarily counted the requests sent before its own: those still in flight when its
 * request was sent may have arrived after it. So
 * {@code budget = remaining − (requests sent since that one) − (requests in flight when it
 * was sent)}, and the same for tokens with the tokens counted for those requests. It may
 * count a request twice (one that arrived first after all), never not at all: a request
 * answered before the reported one was sent arrived before it.
 *
 * <p>
 * <b>Answers out of order.</b> Of two reports, the one whose request was sent later wins;
 * a report whose request was sent before the one already kept is ignored, so an answer
 * that arrives late never raises the budget again. Newest-by-sending, rather than the
 * lowest report of a window, because it needs no notion of which window a report belongs
 * to: a report from after the reset (higher, rightly) is accepted because its request was
 * sent later, and whichever report is kept, its budget never exceeds what is left.
 *
 * <p>
 * <b>The reset.</b> At a report's reset its whole limit is there again, less what was
 * still in flight then (sent before the reset, it may arrive after the provider's window
 * rolled over and count in the new one). A reset is read from an answer, never before the
 * provider sent it, so the client's reset is never earlier than the provider's.
 *
 * <p>
 * The bound this gives, for an account of {@code L} requests per window and {@code N}
 * requests in flight: only requests sent before any answer reported the limit meet a 429,
 * at most {@code N} less what their window had left ({@code N − L} in a fresh window);
 * every later request finds room.
 *
 * <p>
 * Thread-safe; its methods take a short lock.
 */
public final class TargetReservations {

	private long sent;

	private long tokensSent;

	private long inFlight;

	private long tokensInFlight;

	private long countedInFlight;

	private long countedTokensInFlight;

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
		if (requests != null && requestsLeft(requests) <= 0) {
			return new Outcome(null, requests.reset, RateLimitType.REQUESTS);
		}
		Report budget = live(this.tokens, now);
		if (budget != null) {
			long left = tokensLeft(budget);
			if (left <= 0 || tokens > left) {
				return new Outcome(null, budget.reset, RateLimitType.TOKENS);
			}
		}
		SentRequest sent = new SentRequest(this.sent + 1, this.tokensSent + tokens, tokens, reserved,
				this.countedInFlight, this.countedTokensInFlight);
		this.sent++;
		this.tokensSent += tokens;
		this.inFlight++;
		this.tokensInFlight += reserved;
		this.countedInFlight++;
		this.countedTokensInFlight += tokens;
		return new Outcome(sent, null, null);
	}

	/**
	 * Take what an answer reported.
	 * @param snapshot the answer's rate-limit headers
	 * @param request the request it answers, or {@code null} if it was not counted (then
	 * it is taken as the newest, sent when everything in flight now was)
	 * @param now the current instant
	 */
	public synchronized void reported(Snapshot snapshot, @Nullable SentRequest request, Instant now) {
		// A reset passed while the request was in flight: the new window is counted
		// from before this answer, with the request still in flight.
		roll(now);
		Counted counted = (request != null && request.sequence() > 0)
				? new Counted(request.sequence(), request.tokensSent(), request.inFlightBefore(),
						request.tokensInFlightBefore())
				: new Counted(this.sent, this.tokensSent, this.countedInFlight, this.countedTokensInFlight);
		this.requests = newer(this.requests, snapshot.requests(), counted, now);
		this.tokens = newer(this.tokens, snapshot.tokens(), counted, now);
	}

	/**
	 * Take note that a counted request is over: answered, failed or cancelled.
	 * @param request the request
	 * @param now the current instant
	 */
	public synchronized void finished(SentRequest request, Instant now) {
		// A reset that passed while it was in flight counts it in the new window.
		roll(now);
		this.inFlight--;
		this.tokensInFlight -= request.tokens();
		if (request.sequence() > 0) {
			this.countedInFlight--;
			this.countedTokensInFlight -= request.counted();
		}
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
		return SentRequest.uncounted(reserved);
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
			return (report != null) ? requestsLeft(report) : null;
		}
		Report report = live(this.tokens, now);
		return (report != null) ? tokensLeft(report) : null;
	}

	/**
	 * Return until when the reported budgets hold every request back: one of them has
	 * nothing left (for tokens: not even one), so no request goes before its reset.
	 * @param now the current instant
	 * @return the reset, or {@code null} if a request may find room
	 */
	public synchronized @Nullable Instant heldUntil(Instant now) {
		roll(now);
		Report requests = live(this.requests, now);
		if (requests != null && requestsLeft(requests) <= 0) {
			return requests.reset;
		}
		Report tokens = live(this.tokens, now);
		if (tokens != null && tokensLeft(tokens) <= 0) {
			return tokens.reset;
		}
		return null;
	}

	/**
	 * What is left of a report's budget: what it said, less what was sent after its
	 * request and what was in flight beside it.
	 */
	private long requestsLeft(Report report) {
		return report.remaining - (this.sent - report.counted.sent) - report.counted.inFlight;
	}

	private long tokensLeft(Report report) {
		return report.remaining - (this.tokensSent - report.counted.tokensSent) - report.counted.tokensInFlight;
	}

	private static @Nullable Report live(@Nullable Report report, Instant now) {
		return (report != null && report.reset != null && report.reset.isAfter(now)) ? report : null;
	}

	/**
	 * At a report's reset its whole limit is there again: a report that said the limit
	 * rolls over into a budget of that limit, from which what is in flight and the
	 * requests sent from then on are subtracted, until a newer report or the next reset
	 * (as long after as the report's reset was after its answer). Without it, every
	 * request waiting for the reset would go at once, and a limit smaller than the
	 * requests in flight would answer 429 in every window, not only in the first.
	 */
	private void roll(Instant now) {
		Counted counted = new Counted(this.sent, this.tokensSent, this.countedInFlight, this.countedTokensInFlight);
		this.requests = rolled(this.requests, now, counted);
		this.tokens = rolled(this.tokens, now, counted);
	}

	private static @Nullable Report rolled(@Nullable Report report, Instant now, Counted counted) {
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
		return new Report(limit, reset.plus(window.multipliedBy(windows)), counted, limit, window);
	}

	private static @Nullable Report newer(@Nullable Report kept, Limit limit, Counted counted, Instant now) {
		Long remaining = limit.remaining();
		if (remaining == null || (kept != null && counted.sent <= kept.counted.sent)) {
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
		return new Report(remaining, reset, counted, whole, window);
	}

	/**
	 * How far a target's requests were counted when a report's request was sent, or when
	 * a budget rolled over at a reset.
	 *
	 * @param sent the requests sent up to then (the reported one included): those sent
	 * after are subtracted
	 * @param tokensSent the tokens counted for them
	 * @param inFlight the requests in flight then, besides the reported one, which the
	 * provider may count after it: subtracted from the requests' budget
	 * @param tokensInFlight the tokens counted for them: subtracted from the tokens'
	 * budget
	 */
	private record Counted(long sent, long tokensSent, long inFlight, long tokensInFlight) {

	}

	/**
	 * What a report said, and how far the target's requests were counted when its request
	 * was sent.
	 *
	 * @param remaining what was left
	 * @param reset when the limit is whole again
	 * @param counted how far the target's requests were counted then
	 * @param limit the whole limit, or {@code null} if not reported
	 * @param window how long after the answer the reset came: the length of the next
	 * window
	 */
	private record Report(long remaining, @Nullable Instant reset, Counted counted, @Nullable Long limit,
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
