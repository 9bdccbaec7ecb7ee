package io.github.llmresilience.behaviour;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfigurations;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmDeadlineExceededException;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.autoconfigure.LlmMetricsAutoConfiguration;
import io.github.llmresilience.execution.TargetResilience;
import io.github.llmresilience.policy.Target;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.TestClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every row of the failure table and every rule under it, through {@link LlmClient}
 * against a real server: what the upstream received, the gaps between requests, and what
 * the caller got. The {@code summaries} policy has a primary ({@code openai}) with 3
 * attempts and 20ms/40ms backoffs, and one fallback ({@code backup}).
 */
class LlmClientBehaviourTests extends BehaviourTestSupport {

	@Test
	void rateLimitedWithRetryAfterOneSecondIsRetriedAboutOneSecondApart() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(429).retryAfter("1"), FakeResponse.status(429).retryAfter("1"));
		withClient((llm) -> served(llm.chat(REQUEST), new Served("openai", PRIMARY, 3, false)));
		assertThat(primaryRequests()).hasSize(3);
		// The server's wait plus up to 10 % jitter.
		assertThat(FakeLlmServer.gaps(primaryRequests())).allSatisfy(
				(gap) -> assertThat(gap).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1100).plus(SLOW)));
	}

	@Test
	void rateLimitedWaitsWhatRetryAfterMsSays() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(429).retryAfterMillis(150), FakeResponse.status(429).retryAfterMillis(150));
		withClient((llm) -> served(summaries(llm), new Served("openai", PRIMARY, 3, false)));
		// Not the 20ms and 40ms backoffs: the server's wait plus up to 10 % jitter.
		assertThat(FakeLlmServer.gaps(primaryRequests()))
			.allSatisfy((gap) -> assertThat(gap).isBetween(Duration.ofMillis(150), Duration.ofMillis(165).plus(SLOW)));
	}

	@Test
	void rateLimitedWithoutRetryAfterUsesTheBackoff() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(429), FakeResponse.status(429));
		withClient((llm) -> served(summaries(llm), new Served("openai", PRIMARY, 3, false)));
		assertGaps(primaryRequests(), Duration.ofMillis(20), Duration.ofMillis(40));
	}

	@Test
	void retryAfterBeyondMaxRetryAfterFallsBackAtOnceAndKeepsThePrimaryOpenUntilThatInstant() {
		// 5s is beyond max-retry-after (2s). The open state is timed by the test's clock,
		// so the
		// calls in it may take as long as a loaded machine makes them.
		this.server.model(PRIMARY).enqueue(FakeResponse.status(429).retryAfterMillis(5_000));
		TestClock clock = new TestClock();
		runner(clock).run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			Instant asked = clock.instant().plusSeconds(5);
			assertTheBackupServesWhileThePrimaryIsOpenUntil(context.getBean(TargetResilience.class), llm, asked);
			clock.advance(Duration.ofMillis(4_999));
			served(summaries(llm), new Served("backup", FALLBACK, 1, true));
			assertThat(primaryRequests()).hasSize(1);
			clock.advance(Duration.ofMillis(2));
			served(summaries(llm), new Served("openai", PRIMARY, 1, false));
		});
		assertThat(primaryRequests()).hasSize(2);
		assertThat(fallbackRequests()).hasSize(3);
		// Neither the server's 5s nor max-retry-after's 2s was waited.
		assertFollowedAtOnce(primaryRequests().get(0), fallbackRequests().get(0));
	}

	@Test
	void retryAfterOfTwoMinutesFallsBackWithoutWaitingAndOpensThePrimaryUntilThen() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(429).retryAfter("120"));
		TestClock clock = new TestClock();
		runner(clock).run((context) -> {
			LlmClient llm = context.getBean(LlmClient.class);
			Instant asked = clock.instant().plusSeconds(120);
			assertTheBackupServesWhileThePrimaryIsOpenUntil(context.getBean(TargetResilience.class), llm, asked);
		});
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(2);
		assertFollowedAtOnce(primaryRequests().get(0), fallbackRequests().get(0));
	}

	/**
	 * Assert that the backup serves a first call, after the primary's one attempt, that
	 * the primary is then open until the given instant, and that the backup serves the
	 * next call at once.
	 */
	private static void assertTheBackupServesWhileThePrimaryIsOpenUntil(TargetResilience resilience, LlmClient llm,
			Instant until) {
		served(summaries(llm), new Served("backup", FALLBACK, 2, true));
		assertThat(resilience.openUntil(new Target("openai", PRIMARY))).isEqualTo(until);
		served(summaries(llm), new Served("backup", FALLBACK, 1, true));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "insufficient_quota 429, 429, insufficient_quota", "payment required 402, 402, payment_required" })
	void quotaExhaustedIsNeverRetriedAndFallsBack(String name, int status, String code) {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.error(status, "insufficient_quota", code, "You exceeded your quota"));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)));
		assertThat(primaryRequests()).hasSize(1);
	}

	@ParameterizedTest(name = "HTTP {0}")
	@CsvSource({ "500", "502", "503", "504" })
	void serverErrorsInRetryOnStatusAreRetriedThenFallBack(int status) {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(status));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 4, true)));
		assertThat(primaryRequests()).hasSize(3);
		assertGaps(primaryRequests(), Duration.ofMillis(20), Duration.ofMillis(40));
	}

	@Test
	void serverErrorOutsideRetryOnStatusFallsBackWithoutRetry() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(529));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)));
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void retryOnStatusSwitchesRetryingOffWithoutChangingTheKind() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		this.server.model(FALLBACK).thenAlways(FakeResponse.status(503));
		withClient((llm) -> assertThat(failure(summaries(llm)).kind()).isEqualTo(FailureKind.SERVER_ERROR),
				"llm.policies.summaries.retry.retry-on-status=429");
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void timeoutIsRetriedWhenIdempotentThenFallsBack() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 4, true)),
				"llm.providers.openai.read-timeout=500ms");
		assertThat(primaryRequests()).hasSize(3);
		// Each attempt waits out the 500ms read timeout, then the backoff.
		assertGapsAfterTimeouts(primaryRequests(), Duration.ofMillis(520), Duration.ofMillis(540));
	}

	@Test
	void timeoutOfANonIdempotentRequestIsNeitherRetriedNorSentToTheFallback() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		withClient((llm) -> {
			LlmException failure = failure(llm.chat("summaries", REQUEST.mutate().idempotent(false).build()));
			assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
			assertThat(failure.attempts()).isEqualTo(1);
		}, "llm.providers.openai.read-timeout=500ms");
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void requestTimeoutStatusIsRetriedLikeATimeout() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(408));
		runner().withConfiguration(AutoConfigurations.of(LlmMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.run((context) -> {
				served(summaries(context.getBean(LlmClient.class)), new Served("openai", PRIMARY, 2, false));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("llm.retries").tag("reason", "timeout").counter().count()).isEqualTo(1);
				assertThat(meters.find("llm.retries").tag("reason", "bad-request").counter()).isNull();
			});
		assertGaps(primaryRequests(), Duration.ofMillis(20));
	}

	@Test
	void requestTimeoutStatusIsNotRetriedWhenTimeoutsAreNot() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(408));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("from the fallback"));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)),
				"llm.policies.summaries.retry.retry-on-timeout=false");
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void connectionResetIsRetriedWhenIdempotent() {
		this.server.model(PRIMARY).enqueue(FakeResponse.reset(), FakeResponse.reset());
		withClient((llm) -> served(summaries(llm), new Served("openai", PRIMARY, 3, false)));
		assertGaps(primaryRequests(), Duration.ofMillis(20), Duration.ofMillis(40));
	}

	@Test
	void connectionResetAfterTheRequestWasSentIsNeitherRetriedNorSentToTheFallbackWhenNotIdempotent() {
		this.server.model(PRIMARY).enqueue(FakeResponse.reset());
		withClient(
				(llm) -> assertThat(failure(llm.chat("summaries", REQUEST.mutate().idempotent(false).build())).kind())
					.isEqualTo(FailureKind.CONNECTION));
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void refusedConnectionIsRetriedAndFallsBackEvenWhenNotIdempotent() throws Exception {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		withClient(
				(llm) -> served(llm.chat("summaries", REQUEST.mutate().idempotent(false).build()),
						new Served("backup", FALLBACK, 4, true)),
				"llm.providers.openai.base-url=http://127.0.0.1:" + closedPort + "/v1");
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void conflictIsRetriedOnTheSameTarget() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(409), FakeResponse.status(409));
		withClient((llm) -> served(summaries(llm), new Served("openai", PRIMARY, 3, false)));
		assertThat(fallbackRequests()).isEmpty();
	}

	@ParameterizedTest(name = "HTTP {0} is {1}")
	@CsvSource({ "401, invalid_api_key", "403, permission_denied", "404, model_not_found" })
	void authAndNotFoundAreNeverRetriedAndFallBack(int status, String code) {
		this.server.model(PRIMARY).thenAlways(FakeResponse.error(status, "invalid_request_error", code, "No."));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)));
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void contextLengthEndsTheCallUnlessListedInFallbackOn() {
		FakeResponse tooLong = FakeResponse.error(400, "invalid_request_error", "context_length_exceeded",
				"This model's maximum context length is 128000 tokens");
		this.server.model(PRIMARY).thenAlways(tooLong);
		withClient((llm) -> assertThat(failure(summaries(llm))).satisfies((failure) -> {
			assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH);
			assertThat(failure.getMessage()).contains("maximum context length");
		}));
		assertThat(fallbackRequests()).isEmpty();
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)),
				"llm.policies.summaries.fallback-on=context-length");
		assertThat(primaryRequests()).hasSize(2);
	}

	@Test
	void contentFilterEndsTheCallUnlessListedInFallbackOn() {
		this.server.model(PRIMARY)
			.thenAlways(FakeResponse.error(400, "invalid_request_error", "content_filter", "Filtered"));
		withClient((llm) -> assertThat(failure(summaries(llm)).kind()).isEqualTo(FailureKind.CONTENT_FILTER));
		assertThat(fallbackRequests()).isEmpty();
		assertThat(primaryRequests()).hasSize(1);
	}

	@ParameterizedTest(name = "HTTP {0}")
	@CsvSource({ "400", "422" })
	void badRequestIsOneRequestWithoutFallbackAndNamesTheProvidersMessage(int status) {
		this.server.model(PRIMARY)
			.thenAlways(
					FakeResponse.error(status, "invalid_request_error", null, "Unrecognized request argument: foo"));
		withClient((llm) -> assertThat(failure(summaries(llm))).satisfies((failure) -> {
			assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
			assertThat(failure.getMessage()).contains("Unrecognized request argument: foo");
			assertThat(failure.attempts()).isEqualTo(1);
			assertThat(failure.status()).isEqualTo(status);
		}));
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void malformedAnswerIsNeverRetriedAndFallsBack() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.malformed("<html>oops</html>"));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 2, true)));
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void errorObjectInsideA200IsHandledLikeItsStatus() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.errorInOk(429, "Rate limit"),
					FakeResponse.errorInOk("rate_limit_exceeded", "Rate limit"));
		withClient((llm) -> served(summaries(llm), new Served("openai", PRIMARY, 3, false)));
		assertGaps(primaryRequests(), Duration.ofMillis(20), Duration.ofMillis(40));
	}

	@Test
	void primaryDownAcrossManyCallsOpensItsCircuitAndLaterCallsSendItNothingUntilHalfOpenProbes() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(500));
		// The open state is timed by the test's clock, so the calls in it may take as
		// long as a
		// loaded machine makes them.
		TestClock clock = new TestClock();
		runner(clock, "llm.policies.summaries.retry.max-attempts=1",
				"llm.defaults.circuit-breaker.sliding-window-size=4",
				"llm.defaults.circuit-breaker.minimum-number-of-calls=4",
				"llm.defaults.circuit-breaker.wait-duration-in-open-state=30s",
				"llm.defaults.circuit-breaker.permitted-calls-in-half-open-state=1")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				for (int i = 0; i < 10; i++) {
					served(summaries(llm), new Served("backup", FALLBACK, (i < 4) ? 2 : 1, true));
				}
				assertThat(primaryRequests()).hasSize(4);
				this.server.model(PRIMARY).thenAlways(FakeResponse.ok("recovered"));
				clock.advance(Duration.ofMillis(29_999));
				served(summaries(llm), new Served("backup", FALLBACK, 1, true));
				assertThat(primaryRequests()).hasSize(4);
				clock.advance(Duration.ofMillis(2));
				// One probe is permitted; its success closes the circuit again.
				served(summaries(llm), new Served("openai", PRIMARY, 1, false));
				served(summaries(llm), new Served("openai", PRIMARY, 1, false));
			});
		assertThat(primaryRequests()).hasSize(6);
		assertThat(fallbackRequests()).hasSize(11);
	}

	@Test
	void badRequestsDoNotOpenTheCircuit() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(400));
		withClient((llm) -> {
			for (int i = 0; i < 6; i++) {
				assertThat(failure(summaries(llm)).kind()).isEqualTo(FailureKind.BAD_REQUEST);
			}
		}, "llm.defaults.circuit-breaker.sliding-window-size=4",
				"llm.defaults.circuit-breaker.minimum-number-of-calls=4");
		assertThat(primaryRequests()).hasSize(6);
	}

	@Test
	void aWaitBeyondMaxElapsedGivesTheTargetUpAtOnce() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		withClient((llm) -> served(summaries(llm), new Served("backup", FALLBACK, 3, true)),
				"llm.policies.summaries.retry.initial-backoff=50ms", "llm.policies.summaries.retry.multiplier=40",
				"llm.policies.summaries.retry.max-elapsed=2s");
		// 50ms, then 2s: the second wait would end after max-elapsed, so the target is
		// given up at
		// once instead of waiting it out. (The first wait ends within max-elapsed unless
		// its
		// attempt took nearly 2s.)
		assertThat(primaryRequests()).hasSize(2);
		assertGaps(primaryRequests(), Duration.ofMillis(50));
		assertFollowedAtOnce(primaryRequests().get(1), fallbackRequests().get(0));
	}

	@Test
	void deadlineShorterThanTheRetriesEndsTheCallOnTimeWithATimeout() {
		// The 503 comes well within the deadline of 1s, on a loaded machine too, so the
		// deadline
		// cuts the retry that hangs.
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503)).thenAlways(FakeResponse.hang());
		withClient((llm) -> {
			long start = System.nanoTime();
			LlmException failure = failure(summaries(llm));
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(failure).isInstanceOf(LlmDeadlineExceededException.class);
			assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
			assertThat(failure.getCause()).isInstanceOf(LlmException.class)
				.extracting((cause) -> ((LlmException) cause).kind())
				.isEqualTo(FailureKind.SERVER_ERROR);
			// On time, not after the 10s read timeout.
			assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(1).plus(SLOW));
		}, "llm.policies.summaries.deadline=1s");
		assertThat(primaryRequests()).hasSize(2);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void cancellingCancelsTheExchangeInFlight() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		withClient((llm) -> StepVerifier.create(summaries(llm))
			.then(() -> await().atMost(Duration.ofSeconds(3)).until(() -> primaryRequests().size() == 1))
			.thenCancel()
			.verify());
		await().atMost(Duration.ofSeconds(3)).until(() -> this.server.abandonedExchanges() == 1);
	}

	@Test
	void cancellingDuringAWaitCancelsTheWait() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(429).retryAfterMillis(500));
		runner().withConfiguration(AutoConfigurations.of(LlmMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.run((context) -> {
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				StepVerifier.create(summaries(context.getBean(LlmClient.class)))
					// A retry is counted as its wait starts: cancel during that wait.
					.then(() -> await().pollInterval(Duration.ofMillis(5))
						.atMost(Duration.ofSeconds(5))
						.until(() -> meters.find("llm.retries").counter() != null))
					.thenCancel()
					.verify();
				// The retry was due 500ms to 550ms after the wait started: none comes for
				// longer.
				await().during(Duration.ofMillis(700))
					.atMost(Duration.ofSeconds(2))
					.until(() -> primaryRequests().size() == 1);
			});
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void streamCutAfterThreeChunksDeliversThemOnceThenIsInterrupted() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("a", "b", "c", "d", "e").breakAfter(3));
		List<String> texts = new ArrayList<>();
		withClient((llm) -> StepVerifier.create(llm.stream("streaming", REQUEST).map(ChatChunk::text))
			.recordWith(() -> texts)
			.expectNext("a", "b", "c")
			.expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmStreamInterruptedException.class);
				assertThat(((LlmStreamInterruptedException) error).partialText()).isEqualTo("abc");
				assertThat(((LlmStreamInterruptedException) error).chunksDelivered()).isEqualTo(3);
			})
			.verify(Duration.ofSeconds(5)));
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void streamFailingBeforeItsFirstChunkFallsBackTransparently() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(401));
		this.server.model(FALLBACK).thenAlways(FakeResponse.stream("x", "y"));
		withClient((llm) -> StepVerifier
			.create(llm.stream("streaming", REQUEST).map(ChatChunk::text).filter((t) -> !t.isEmpty()))
			.expectNext("x", "y")
			.verifyComplete());
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void streamStallingBeforeItsFirstChunkIsRetriedAfterTheFirstChunkTimeout() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("late").delay(Duration.ofSeconds(5)));
		// A first-chunk timeout of 1s: time enough for the retried stream to start on a
		// loaded machine.
		withClient((llm) -> StepVerifier
			.create(llm.stream("streaming", REQUEST).map(ChatChunk::text).reduce(String::concat))
			.expectNext("Hello from " + PRIMARY)
			.verifyComplete(), "llm.providers.openai.first-chunk-timeout=1s");
		assertThat(primaryRequests()).hasSize(2);
		assertGapsAfterTimeouts(primaryRequests(), Duration.ofMillis(1020));
	}

	@Test
	void truncatedStreamIsAFailureNotAQuietSuccess() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("a", "b").withoutDone());
		withClient((llm) -> StepVerifier.create(llm.stream("streaming", REQUEST).map(ChatChunk::text))
			.expectNext("a", "b")
			.expectErrorSatisfies(
					(error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.CONNECTION))
			.verify(Duration.ofSeconds(5)));
	}

	@Test
	void eachSubscriptionSendsTheRequestAgain() {
		withClient((llm) -> {
			Mono<ChatResponse> call = summaries(llm);
			Flux<ChatChunk> stream = llm.stream("streaming", REQUEST);
			assertThat(this.server.requests()).isEmpty();
			StepVerifier.create(call).expectNextCount(1).verifyComplete();
			StepVerifier.create(call).expectNextCount(1).verifyComplete();
			StepVerifier.create(stream).thenConsumeWhile((chunk) -> true).verifyComplete();
		});
		assertThat(primaryRequests()).hasSize(3);
	}

	@Test
	void unknownPolicyIsAClearError() {
		withClient((llm) -> StepVerifier.create(llm.chat("nowhere", REQUEST))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("llm.policies.nowhere"))
			.verify());
	}

}
