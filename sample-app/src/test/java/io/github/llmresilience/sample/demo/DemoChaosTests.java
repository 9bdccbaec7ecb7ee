package io.github.llmresilience.sample.demo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The demo's fault mix: repeatable for a seed, confined to the chaos providers.
 */
class DemoChaosTests {

	@Test
	void theSameSeedGivesTheSameAnswersInTheSameOrder() {
		Clock clock = Clock.fixed(Instant.parse("2026-12-01T12:00:15Z"), ZoneOffset.UTC);
		assertThat(answers(new DemoChaos(new DemoProperties(), clock), "openai", 200))
			.isEqualTo(answers(new DemoChaos(new DemoProperties(), clock), "openai", 200));
	}

	@Test
	void answersCarryTheRateLimitHeadersOfTheCurrentMinute() {
		Clock clock = Clock.fixed(Instant.parse("2026-12-01T12:00:15Z"), ZoneOffset.UTC);
		DemoChaos chaos = new DemoChaos(new DemoProperties(), clock);
		List<String> answers = answers(chaos, "backup", 3);
		assertThat(answers.get(2)).contains("x-ratelimit-remaining-requests=9997", "x-ratelimit-reset-requests=45.000s",
				"x-ratelimit-limit-requests=10000");
	}

	@Test
	void anotherSeedGivesOtherAnswers() {
		DemoProperties other = new DemoProperties();
		other.getChaos().setSeed(7);
		assertThat(answers(new DemoChaos(other), "openai", 200))
			.isNotEqualTo(answers(new DemoChaos(new DemoProperties()), "openai", 200));
	}

	@Test
	void theChaosProviderAnswersTheConfiguredShares() {
		List<String> answers = answers(new DemoChaos(new DemoProperties()), "openai", 10_000);
		assertThat(share(answers, "error 429")).isCloseTo(0.3, org.assertj.core.data.Offset.offset(0.02));
		assertThat(share(answers, "error 503")).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.02));
		assertThat(answers).filteredOn((answer) -> answer.contains("error 429"))
			.allSatisfy((answer) -> assertThat(answer).contains("Retry-After=1"));
	}

	@Test
	void otherProvidersAlwaysAnswer() {
		assertThat(answers(new DemoChaos(new DemoProperties()), "backup", 1_000))
			.allSatisfy((answer) -> assertThat(answer).startsWith("FakeResponse[completion"));
	}

	@Test
	void aRetryAfterBelowOneSecondIsSentInMilliseconds() {
		DemoProperties properties = new DemoProperties();
		properties.getChaos().setRateLimitedFraction(1);
		properties.getChaos().setServerErrorFraction(0);
		properties.getChaos().setRetryAfter(Duration.ofMillis(20));
		assertThat(answers(new DemoChaos(properties), "openai", 1)).singleElement()
			.asString()
			.contains("retry-after-ms=20");
	}

	@Test
	void sharesAboveOneAreRefused() {
		DemoProperties properties = new DemoProperties();
		properties.getChaos().setRateLimitedFraction(0.95);
		assertThatIllegalArgumentException().isThrownBy(() -> new DemoChaos(properties))
			.withMessageContaining("demo.chaos.rate-limited-fraction");
	}

	private static List<String> answers(DemoChaos chaos, String provider, int requests) {
		return IntStream.range(0, requests)
			.mapToObj((i) -> chaos.apply(request(provider)))
			.map(FakeResponse::toString)
			.toList();
	}

	private static double share(List<String> answers, String kind) {
		return answers.stream().filter((answer) -> answer.contains(kind)).count() / (double) answers.size();
	}

	private static RecordedRequest request(String provider) {
		return new RecordedRequest(System.nanoTime(), Instant.now(), "POST", "/" + provider + "/v1/chat/completions",
				null, Map.of(), "{\"model\":\"gpt-4o\"}", "gpt-4o", false);
	}

}
