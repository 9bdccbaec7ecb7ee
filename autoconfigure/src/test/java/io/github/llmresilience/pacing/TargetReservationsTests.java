package io.github.llmresilience.pacing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;

import io.github.llmresilience.client.RateLimitHeaders;
import io.github.llmresilience.client.RateLimitHeaders.Snapshot;
import io.github.llmresilience.client.SentRequest;
import io.github.llmresilience.observation.RateLimitType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The arithmetic of the reservations against a target's reported budgets: what each
 * request sent after a report subtracts, the reset, and answers that arrive out of order.
 */
class TargetReservationsTests {

	private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

	private final TargetReservations reservations = new TargetReservations();

	/**
	 * What OpenAI sends:
	 * https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
	 */
	private static Snapshot report(long requestsLeft, long tokensLeft, String reset) {
		HttpHeaders headers = new HttpHeaders();
		headers.add("x-ratelimit-limit-requests", "10");
		headers.add("x-ratelimit-remaining-requests", Long.toString(requestsLeft));
		headers.add("x-ratelimit-reset-requests", reset);
		headers.add("x-ratelimit-limit-tokens", "10000");
		headers.add("x-ratelimit-remaining-tokens", Long.toString(tokensLeft));
		headers.add("x-ratelimit-reset-tokens", reset);
		return RateLimitHeaders.parse(headers, NOW);
	}

	private SentRequest send(long tokens) {
		SentRequest sent = this.reservations.trySend(tokens, tokens, NOW).sent();
		assertThat(sent).as("sent").isNotNull();
		return sent;
	}

	@Test
	void requestsSentAfterTheReportedOneAreSubtractedFromItsBudget() {
		SentRequest first = send(0);
		send(0);
		send(0);
		// The first request's answer: 5 left. Two were sent after it: 3 left.
		this.reservations.reported(report(5, 10000, "2s"), first, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(3);
		send(0);
		send(0);
		send(0);
		TargetReservations.Outcome held = this.reservations.trySend(0, 0, NOW);
		assertThat(held.sent()).isNull();
		assertThat(held.limit()).isEqualTo(RateLimitType.REQUESTS);
		assertThat(held.heldUntil()).isEqualTo(NOW.plusSeconds(2));
		// At the reset the whole limit (10) is there again, for the next window of 2 s.
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW.plusSeconds(2))).isEqualTo(10);
		for (int i = 0; i < 10; i++) {
			assertThat(this.reservations.trySend(0, 0, NOW.plusSeconds(2)).sent()).isNotNull();
		}
		TargetReservations.Outcome next = this.reservations.trySend(0, 0, NOW.plusSeconds(3));
		assertThat(next.sent()).isNull();
		assertThat(next.heldUntil()).isEqualTo(NOW.plusSeconds(4));
	}

	@Test
	void tokensCountAsTheRequestsCountThem() {
		SentRequest first = send(1000);
		send(3000);
		// 5,000 left after the first; 3,000 sent since: 2,000 left.
		this.reservations.reported(report(9, 5000, "1s"), first, NOW);
		assertThat(this.reservations.left(RateLimitType.TOKENS, NOW)).isEqualTo(2000);
		TargetReservations.Outcome tooMany = this.reservations.trySend(2500, 2500, NOW);
		assertThat(tooMany.sent()).isNull();
		assertThat(tooMany.limit()).isEqualTo(RateLimitType.TOKENS);
		assertThat(this.reservations.trySend(2000, 2000, NOW).sent()).isNotNull();
		assertThat(this.reservations.trySend(1, 1, NOW).sent()).isNull();
	}

	@Test
	void anAnswerThatArrivesLateNeverRaisesTheBudgetAgain() {
		SentRequest first = send(0);
		SentRequest second = send(0);
		SentRequest third = send(0);
		// The third's answer comes first: 4 left, none sent since.
		this.reservations.reported(report(4, 10000, "2s"), third, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(4);
		// The first's and second's answers, sent earlier, said more was left: ignored.
		this.reservations.reported(report(6, 10000, "2s"), first, NOW);
		this.reservations.reported(report(5, 10000, "2s"), second, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(4);
		// A later request's report is taken, even when it is higher (after a reset).
		SentRequest fourth = send(0);
		this.reservations.reported(report(9, 10000, "2s"), fourth, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(9);
	}

	@Test
	void tenRequestsSentBeforeAnyAnswerLeaveNothingForAnEleventhWhateverTheOrderOfTheirAnswers() {
		// An account of 10 requests per window: 10 in flight before any header arrives,
		// each answered with what was left when the provider counted it.
		List<SentRequest> sent = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			sent.add(send(0));
		}
		int[] arrival = { 3, 0, 9, 1, 5, 2, 8, 4, 7, 6 };
		for (int i = 0; i < arrival.length; i++) {
			int request = arrival[i];
			// The provider counted them in the order they were sent.
			this.reservations.reported(report(10 - (request + 1), 10000, "2s"), sent.get(request), NOW);
			assertThat(this.reservations.trySend(0, 0, NOW).sent()).as("after answer %d", i).isNull();
		}
	}

	@Test
	void whatIsInFlightIsCountedUntilItIsOver() {
		SentRequest first = send(700);
		send(300);
		assertThat(this.reservations.inFlight()).isEqualTo(2);
		assertThat(this.reservations.tokensInFlight()).isEqualTo(1000);
		this.reservations.finished(first);
		assertThat(this.reservations.inFlight()).isEqualTo(1);
		assertThat(this.reservations.tokensInFlight()).isEqualTo(300);
	}

}
