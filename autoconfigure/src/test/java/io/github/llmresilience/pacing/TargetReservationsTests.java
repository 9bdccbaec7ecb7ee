package io.github.llmresilience.pacing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
		this.reservations.finished(first, NOW);
		SentRequest second = send(0);
		send(0);
		send(0);
		// The second's answer: 5 left. Two were sent after it: 3 left. The first was
		// answered before the second was sent, so it was counted before it.
		this.reservations.reported(report(5, 10000, "2s"), second, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(3);
		send(0);
		send(0);
		send(0);
		TargetReservations.Outcome held = this.reservations.trySend(0, 0, NOW);
		assertThat(held.sent()).isNull();
		assertThat(held.limit()).isEqualTo(RateLimitType.REQUESTS);
		assertThat(held.heldUntil()).isEqualTo(NOW.plusSeconds(2));
	}

	/**
	 * Three requests sent at once, the provider counted the third first: its report is
	 * taken, less the two in flight beside it, and the first's and second's reports (8
	 * and 7 left), older by sending, change nothing whether they say more or less is
	 * left. Once all three are over, a request sent after them counts only its own
	 * report, even when it is higher (after a reset).
	 */
	@ParameterizedTest(name = "{0}: the third says {1} left, so {2}; a later one says {3}")
	@CsvSource(delimiter = '|', value = {
			"the two in flight when the reported one was sent are subtracted too, for the provider may have counted them after it|9|7|6",
			"an answer that arrives late never raises the budget again|6|4|9" })
	void threeSentAtOnceAndTheThirdCountedFirst(String scenario, long thirdLeft, long leftAfterThird, long fourthLeft) {
		SentRequest first = send(0);
		SentRequest second = send(0);
		SentRequest third = send(0);
		this.reservations.reported(report(thirdLeft, 10000, "2s"), third, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(leftAfterThird);
		this.reservations.reported(report(8, 10000, "2s"), first, NOW);
		this.reservations.reported(report(7, 10000, "2s"), second, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(leftAfterThird);
		for (SentRequest request : List.of(first, second, third)) {
			this.reservations.finished(request, NOW);
		}
		SentRequest fourth = send(0);
		this.reservations.reported(report(fourthLeft, 10000, "2s"), fourth, NOW);
		assertThat(this.reservations.left(RateLimitType.REQUESTS, NOW)).isEqualTo(fourthLeft);
	}

	@Test
	void atTheResetTheWholeLimitIsThereAgainLessWhatIsStillInFlight() {
		SentRequest first = send(0);
		this.reservations.reported(report(9, 10000, "2s"), first, NOW);
		this.reservations.finished(first, NOW);
		List<SentRequest> sent = new ArrayList<>();
		for (int i = 0; i < 9; i++) {
			sent.add(send(0));
		}
		assertThat(this.reservations.trySend(0, 0, NOW).sent()).isNull();
		for (SentRequest request : sent.subList(0, 5)) {
			this.reservations.finished(request, NOW.plusSeconds(1));
		}
		// Four are still in flight at the reset: sent in the old window, they may arrive
		// in the new one. One of them is over after the reset: still counted.
		Instant reset = NOW.plusSeconds(2);
		this.reservations.finished(sent.get(5), reset.plusMillis(1));
		assertThat(this.reservations.left(RateLimitType.REQUESTS, reset.plusMillis(2))).isEqualTo(6);
		for (int i = 0; i < 6; i++) {
			assertThat(this.reservations.trySend(0, 0, reset.plusMillis(2)).sent()).isNotNull();
		}
		TargetReservations.Outcome held = this.reservations.trySend(0, 0, reset.plusMillis(3));
		assertThat(held.sent()).isNull();
		// The next reset: as long after the first as the first was after its answer.
		assertThat(held.heldUntil()).isEqualTo(NOW.plusSeconds(4));
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
	void tokensInFlightBesideTheReportedRequestAreSubtracted() {
		SentRequest first = send(1000);
		SentRequest second = send(3000);
		// The second arrived first: 6,000 left. The first's 1,000 may still be counted.
		this.reservations.reported(report(9, 6000, "1s"), second, NOW);
		assertThat(this.reservations.left(RateLimitType.TOKENS, NOW)).isEqualTo(5000);
		this.reservations.finished(first, NOW);
		this.reservations.finished(second, NOW);
		// Nothing in flight at the reset: the whole limit.
		assertThat(this.reservations.left(RateLimitType.TOKENS, NOW.plusSeconds(1))).isEqualTo(10000);
	}

	@Test
	void aUsedUpBudgetHoldsEveryRequestBackUntilItsReset() {
		SentRequest first = send(0);
		assertThat(this.reservations.heldUntil(NOW)).isNull();
		this.reservations.reported(report(1, 10000, "2s"), first, NOW);
		this.reservations.finished(first, NOW);
		assertThat(this.reservations.heldUntil(NOW)).isNull();
		send(0);
		assertThat(this.reservations.heldUntil(NOW)).isEqualTo(NOW.plusSeconds(2));
		// Tokens too: a budget of none left holds back whatever a request counts.
		TargetReservations tokens = new TargetReservations();
		SentRequest big = tokens.trySend(500, 500, NOW).sent();
		tokens.reported(report(9, 500, "1s"), big, NOW);
		tokens.trySend(500, 500, NOW);
		assertThat(tokens.heldUntil(NOW)).isEqualTo(NOW.plusSeconds(1));
	}

	@Test
	void tenRequestsSentBeforeAnyAnswerLeaveNothingForAnEleventhWhateverTheOrderOfTheirAnswers() {
		// An account of 10 requests per window: 10 in flight before any header arrives,
		// each answered with what was left when the provider counted it.
		List<SentRequest> sent = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			sent.add(send(0));
		}
		// The provider counted them in another order than they were sent (the last sent
		// arrived first), and their answers came in a third order.
		int[] counted = { 9, 4, 0, 7, 2, 8, 1, 6, 3, 5 };
		int[] answered = { 9, 3, 0, 1, 5, 2, 8, 4, 7, 6 };
		for (int i = 0; i < answered.length; i++) {
			int request = answered[i];
			int place = indexOf(counted, request);
			this.reservations.reported(report(10 - (place + 1), 10000, "2s"), sent.get(request), NOW);
			assertThat(this.reservations.trySend(0, 0, NOW).sent()).as("after answer %d", i).isNull();
			this.reservations.finished(sent.get(request), NOW);
		}
	}

	private static int indexOf(int[] values, int value) {
		for (int i = 0; i < values.length; i++) {
			if (values[i] == value) {
				return i;
			}
		}
		throw new IllegalArgumentException(Integer.toString(value));
	}

	@Test
	void whatIsInFlightIsCountedUntilItIsOver() {
		SentRequest first = send(700);
		send(300);
		assertThat(this.reservations.inFlight()).isEqualTo(2);
		assertThat(this.reservations.tokensInFlight()).isEqualTo(1000);
		this.reservations.finished(first, NOW);
		assertThat(this.reservations.inFlight()).isEqualTo(1);
		assertThat(this.reservations.tokensInFlight()).isEqualTo(300);
	}

}
