package io.github.llmresilience.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.test.StepVerifier;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.unit.DataSize;

import io.github.llmresilience.ChatChunk;
import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.testkit.FakeResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Long answers pass, answers larger than {@code max-response-size} are malformed
 * responses that name the property, and no buffer is leaked or released twice on either
 * path: Netty's leak detector runs at {@code paranoid} and the log must show neither a
 * leak nor an {@code IllegalReferenceCountException}.
 */
@ExtendWith(OutputCaptureExtension.class)
class MaxResponseSizeTests extends ProviderClientTestSupport {

	private static ResourceLeakDetector.Level previousLevel;

	@BeforeAll
	static void paranoidLeakDetection() {
		previousLevel = ResourceLeakDetector.getLevel();
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
	}

	@AfterAll
	static void restoreLeakDetection() {
		ResourceLeakDetector.setLevel(previousLevel);
	}

	private ProviderClient client() {
		return client(ProviderSettings.of("openai", this.server.baseUrl(), "sk-test"));
	}

	private static ChatRequest request() {
		return ChatRequest.builder().user("Summarise the document").build();
	}

	private static String text(int length) {
		StringBuilder text = new StringBuilder(length);
		while (text.length() < length) {
			text.append("All work and no play makes Jack a dull boy. ");
		}
		return text.substring(0, length);
	}

	@Test
	void twoMegabyteCompletionPassesByDefault(CapturedOutput output) {
		String answer = text(2 * 1024 * 1024);
		this.server.model("m").enqueue(FakeResponse.ok(answer));
		StepVerifier.create(client().chat("m", request()))
			.assertNext((response) -> assertThat(response.content()).isEqualTo(answer))
			.expectComplete()
			.verify(Duration.ofSeconds(30));
		assertNoLeakNorDoubleRelease(output);
	}

	@Test
	void oneMegabyteStreamEventPassesByDefault(CapturedOutput output) {
		String bigChunk = text(1024 * 1024);
		this.server.model("m").enqueue(FakeResponse.stream("Start. ", bigChunk, " End."));
		List<String> chunks = new ArrayList<>();
		StepVerifier.create(client().stream("m", request()).map(ChatChunk::text))
			.recordWith(() -> chunks)
			.thenConsumeWhile((chunk) -> true)
			.expectComplete()
			.verify(Duration.ofSeconds(30));
		assertThat(String.join("", chunks)).isEqualTo("Start. " + bigChunk + " End.");
		assertNoLeakNorDoubleRelease(output);
	}

	@Test
	void completionLargerThanTheSettingIsMalformedAndNamesTheProperty(CapturedOutput output) {
		this.server.model("m").enqueue(FakeResponse.ok(text(300 * 1024)));
		ProviderClient client = client(ProviderSettings.of("local", this.server.baseUrl(), "sk-test")
			.withMaxResponseSize(DataSize.ofKilobytes(256)));
		StepVerifier.create(client.chat("m", request())).expectErrorSatisfies((error) -> {
			assertThat(error).isInstanceOf(LlmException.class);
			LlmException failure = (LlmException) error;
			assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
			assertThat(failure.getMessage()).contains("256KB (llm.providers.local.max-response-size)");
		}).verify(Duration.ofSeconds(30));
		assertNoLeakNorDoubleRelease(output);
	}

	@Test
	void streamEventLargerThanTheSettingIsMalformedAndNamesTheProperty(CapturedOutput output) {
		this.server.model("m").enqueue(FakeResponse.stream("Start. ", text(300 * 1024), " End."));
		ProviderClient client = client(ProviderSettings.of("local", this.server.baseUrl(), "sk-test")
			.withMaxResponseSize(DataSize.ofKilobytes(256)));
		List<String> chunks = new ArrayList<>();
		LlmException failure = client.stream("m", request())
			.doOnNext((chunk) -> chunks.add(chunk.text()))
			.then(reactor.core.publisher.Mono.<LlmException>empty())
			.onErrorResume(LlmException.class, reactor.core.publisher.Mono::just)
			.block(Duration.ofSeconds(30));
		assertThat(failure).isNotNull();
		assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
		assertThat(failure.getMessage()).contains("256KB (llm.providers.local.max-response-size)");
		assertThat(chunks).containsExactly("Start. ");
		assertNoLeakNorDoubleRelease(output);
	}

	@Test
	void errorAnswerLargerThanTheSettingStillGetsItsStatus(CapturedOutput output) {
		this.server.model("m").enqueue(FakeResponse.raw(503, text(300 * 1024)).header("Content-Type", "text/html"));
		ProviderClient client = client(ProviderSettings.of("local", this.server.baseUrl(), "sk-test")
			.withMaxResponseSize(DataSize.ofKilobytes(256)));
		StepVerifier.create(client.chat("m", request())).expectErrorSatisfies((error) -> {
			assertThat(error).isInstanceOf(LlmException.class);
			assertThat(((LlmException) error).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
		}).verify(Duration.ofSeconds(30));
		assertNoLeakNorDoubleRelease(output);
	}

	@Test
	void theLeakDetectorWouldSeeALeak(CapturedOutput output) {
		// The control: a buffer dropped without release is reported, so the checks above
		// can fail.
		PooledByteBufAllocator.DEFAULT.buffer(1024).writeZero(16);
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			collectGarbageAndAllocate();
			assertThat(output.getAll()).contains("LEAK:");
		});
	}

	private static void assertNoLeakNorDoubleRelease(CapturedOutput output) {
		collectGarbageAndAllocate();
		assertThat(output.getAll()).doesNotContain("LEAK:").doesNotContain("IllegalReferenceCountException");
	}

	/**
	 * The detector reports a leak when it tracks a new buffer after the leaked one was
	 * collected.
	 */
	private static void collectGarbageAndAllocate() {
		for (int i = 0; i < 3; i++) {
			System.gc();
			for (int j = 0; j < 64; j++) {
				ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(64);
				buffer.release();
			}
		}
	}

}
