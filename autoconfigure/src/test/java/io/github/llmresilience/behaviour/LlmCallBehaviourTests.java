package io.github.llmresilience.behaviour;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatResponse;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.LlmStreamInterruptedException;
import io.github.llmresilience.Served;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code @LlmCall} methods of every return type against a real server.
 */
class LlmCallBehaviourTests extends BehaviourTestSupport {

	@Test
	void whenPrimaryKeepsFailingThenTheFallbackServesAfterFourAttempts() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("from the fallback"));
		runner().run((context) -> StepVerifier.create(context.getBean(Summarizer.class).summarise("text"))
			.assertNext((response) -> {
				assertThat(response.content()).isEqualTo("from the fallback");
				assertThat(response.served()).isEqualTo(new Served("backup", FALLBACK, 4, true));
			})
			.verifyComplete());
		assertThat(primaryRequests()).hasSize(3);
		assertThat(fallbackRequests()).hasSize(1);
		assertGaps(primaryRequests(), Duration.ofMillis(20), Duration.ofMillis(40));
		assertThat(fallbackRequests().get(0).path()).startsWith("/backup/");
		assertThat(fallbackRequests().get(0).header("Authorization")).isEqualTo("Bearer sk-backup-key");
	}

	@Test
	void blockingAndCompletionStageMethodsBehaveLikeTheMonoOne() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(503));
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("from the fallback"));
		runner().run((context) -> {
			Summarizer summarizer = context.getBean(Summarizer.class);
			ChatResponse blocking = summarizer.summariseBlocking("text");
			ChatResponse async = summarizer.summariseAsync("text").toCompletableFuture().join();
			assertThat(blocking.served()).isEqualTo(new Served("backup", FALLBACK, 4, true));
			assertThat(async.served()).isEqualTo(new Served("backup", FALLBACK, 4, true));
		});
		assertThat(primaryRequests()).hasSize(6);
		assertThat(fallbackRequests()).hasSize(2);
		assertGaps(primaryRequests().subList(0, 3), Duration.ofMillis(20), Duration.ofMillis(40));
		assertGaps(primaryRequests().subList(3, 6), Duration.ofMillis(20), Duration.ofMillis(40));
	}

	@Test
	void callsThatHopThreadsStillMakeOneRequestPerAttempt() {
		this.server.model(PRIMARY)
			.enqueue(FakeResponse.status(503), FakeResponse.status(503))
			.thenAlways(FakeResponse.ok("ok"));
		runner().run((context) -> {
			Summarizer summarizer = context.getBean(Summarizer.class);
			served(summarizer.summariseHoppingThreads("a"), new Served("openai", PRIMARY, 3, false));
			this.server.model(PRIMARY).enqueue(FakeResponse.status(503), FakeResponse.status(503));
			assertThat(summarizer.summariseOnAnotherThread("b").join().served())
				.isEqualTo(new Served("openai", PRIMARY, 3, false));
		});
		assertThat(primaryRequests()).hasSize(6);
	}

	@Test
	void fallbackMethodAnswersWhenEveryTargetFailed() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.status(500));
		this.server.model(FALLBACK).thenAlways(FakeResponse.status(500));
		runner("llm.policies.summaries.retry.max-attempts=1")
			.run((context) -> StepVerifier.create(context.getBean(Summarizer.class).summariseOrCached("text"))
				.expectNext("(summary unavailable)")
				.verifyComplete());
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void fallbackMethodDoesNotAnswerABadRequest() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.error(400, "invalid_request_error", null, "Bad field"));
		runner().run((context) -> StepVerifier.create(context.getBean(Summarizer.class).summariseOrCached("text"))
			.expectErrorSatisfies(
					(error) -> assertThat(error).isInstanceOf(LlmException.class).hasMessageContaining("Bad field"))
			.verify());
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void timeoutOfANonIdempotentCallIsNeitherRetriedNorSentToTheFallback() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.hang());
		runner("llm.providers.openai.read-timeout=500ms")
			.run((context) -> StepVerifier.create(context.getBean(Summarizer.class).summariseOnce("text"))
				.expectErrorSatisfies(
						(error) -> assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.TIMEOUT))
				.verify(Duration.ofSeconds(5)));
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void streamCutAfterThreeChunksDeliversThemOnceThenIsInterrupted() {
		this.server.model(PRIMARY).enqueue(FakeResponse.stream("one ", "two ", "three ", "four").breakAfter(3));
		List<String> received = new ArrayList<>();
		runner().run((context) -> StepVerifier.create(context.getBean(Summarizer.class).stream("text"))
			.recordWith(() -> new ArrayList<ChatChunk>())
			.thenConsumeWhile((chunk) -> received.add(chunk.text()))
			.expectErrorSatisfies((error) -> {
				assertThat(error).isInstanceOf(LlmStreamInterruptedException.class);
				assertThat(((LlmStreamInterruptedException) error).partialText()).isEqualTo("one two three ");
				assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.CONNECTION);
				assertThat(error.getMessage()).doesNotContain("one two");
			})
			.verify(Duration.ofSeconds(5)));
		assertThat(received).containsExactly("one ", "two ", "three ");
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
	}

	@Test
	void streamFailingBeforeItsFirstChunkIsRetriedTransparently() {
		this.server.model(PRIMARY).enqueue(FakeResponse.status(503), FakeResponse.stream("a", "b", "c"));
		runner().run((context) -> StepVerifier.create(context.getBean(Summarizer.class).streamText("text"))
			.expectNext("a", "b", "c")
			.thenConsumeWhile(String::isEmpty)
			.verifyComplete());
		assertThat(primaryRequests()).hasSize(2);
	}

	@Test
	void outputThatFailsToParseIsRetriedWhenItsExceptionIsInRetryOnExceptions() {
		this.server.model(PRIMARY).enqueue(FakeResponse.ok("many"), FakeResponse.ok("three"), FakeResponse.ok(" 3 "));
		runner().run((context) -> StepVerifier.create(context.getBean(Summarizer.class).countWords("one two three"))
			.expectNext(3)
			.verifyComplete());
		assertThat(primaryRequests()).hasSize(3);
		assertGaps(primaryRequests(), Duration.ofMillis(20), Duration.ofMillis(40));
	}

	@Test
	void outputThatFailsToParseEndsTheCallWhenItsExceptionIsNotListed() {
		this.server.model(PRIMARY).thenAlways(FakeResponse.ok("many"));
		runner("llm.policies.parsing.retry.retry-on-exceptions=")
			.run((context) -> StepVerifier.create(context.getBean(Summarizer.class).countWords("one two three"))
				.expectError(NumberFormatException.class)
				.verify());
		assertThat(primaryRequests()).hasSize(1);
	}

	@Test
	void blockingMethodOnANonBlockingThreadIsRefusedWithAClearError() {
		runner().run((context) -> {
			Summarizer summarizer = context.getBean(Summarizer.class);
			StepVerifier
				.create(reactor.core.publisher.Mono.fromCallable(() -> summarizer.summariseBlocking("x"))
					.subscribeOn(reactor.core.scheduler.Schedulers.parallel()))
				.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("boundedElastic"))
				.verify(Duration.ofSeconds(5));
		});
		assertThat(primaryRequests()).isEmpty();
	}

	@Test
	void blockingMethodFailureIsThrownToTheCaller() {
		this.server.model(PRIMARY)
			.thenAlways(FakeResponse.error(401, "invalid_request_error", "invalid_api_key", "no"));
		this.server.model(FALLBACK)
			.thenAlways(FakeResponse.error(401, "invalid_request_error", "invalid_api_key", "no"));
		runner().run((context) -> assertThatExceptionOfType(LlmException.class)
			.isThrownBy(() -> context.getBean(Summarizer.class).summariseBlocking("text"))
			.satisfies((error) -> {
				assertThat(error.kind()).isEqualTo(FailureKind.AUTH);
				assertThat(error.attempts()).isEqualTo(2);
			}));
	}

}
