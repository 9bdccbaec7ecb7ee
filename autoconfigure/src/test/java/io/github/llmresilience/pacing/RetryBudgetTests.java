package io.github.llmresilience.pacing;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.testkit.TestClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budget's arithmetic, on a clock the tests move.
 */
class RetryBudgetTests {

	private final TestClock clock = new TestClock(Instant.parse("2026-12-01T12:00:00Z"));

	private final RetryBudget budget = new RetryBudget(0.2, Duration.ofSeconds(10), 1.0, this.clock);

	private void firstRequests(int count) {
		for (int i = 0; i < count; i++) {
			this.budget.firstRequest();
		}
	}

	/**
	 * Take retries, each of which the budget must allow.
	 */
	private void allowedRetries(int count) {
		for (int i = 0; i < count; i++) {
			assertThat(this.budget.tryRetry()).as("retry %d", i + 1).isTrue();
		}
	}

	@Test
	void withoutTrafficTheFloorAllowsMinRetriesPerSecondTimesTheWindow() {
		allowedRetries(10);
		assertThat(this.budget.tryRetry()).isFalse();
		assertThat(this.budget.usage()).isEqualTo(new RetryBudget.Usage(0, 10, 10));
	}

	@Test
	void retriesMayAddTheRatioToTheFirstRequestsOfTheWindow() {
		firstRequests(100);
		// 0.2 × 100 + 1.0 × 10 s
		allowedRetries(30);
		assertThat(this.budget.tryRetry()).isFalse();
		firstRequests(5);
		assertThat(this.budget.tryRetry()).as("five more first requests earn one more retry").isTrue();
		assertThat(this.budget.tryRetry()).isFalse();
		assertThat(this.budget.usage()).isEqualTo(new RetryBudget.Usage(105, 31, 31));
	}

	@Test
	void requestsLeaveTheWindowOnceItHasPassed() {
		allowedRetries(10);
		assertThat(this.budget.tryRetry()).isFalse();
		this.clock.advance(Duration.ofSeconds(9));
		assertThat(this.budget.tryRetry()).as("still inside the window").isFalse();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.budget.tryRetry()).as("the first retries have left the window").isTrue();
		assertThat(this.budget.usage().retries()).isEqualTo(1);
	}

	@Test
	void theWindowSlidesInTenths() {
		this.budget.firstRequest();
		this.clock.advance(Duration.ofSeconds(5));
		this.budget.firstRequest();
		assertThat(this.budget.usage().firstRequests()).isEqualTo(2);
		this.clock.advance(Duration.ofSeconds(5));
		assertThat(this.budget.usage().firstRequests()).as("the first left the window, the second did not")
			.isEqualTo(1);
		this.clock.advance(Duration.ofMinutes(10));
		assertThat(this.budget.usage()).isEqualTo(new RetryBudget.Usage(0, 0, 10));
	}

	@Test
	void aZeroRatioAndFloorAllowNoRetry() {
		RetryBudget none = new RetryBudget(0, Duration.ofSeconds(10), 0, this.clock);
		none.firstRequest();
		assertThat(none.tryRetry()).isFalse();
	}

}
