package io.github.llmresilience.sample.demo;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

/**
 * How the in-process server answers in demo mode: the providers named under
 * {@code demo.chaos.providers} answer a seeded random mix of 429s and server errors,
 * every other request gets a short text that names the model and provider that wrote it,
 * with the rate-limit headers an OpenAI account sends: what is left of
 * {@value #REQUESTS_PER_MINUTE} requests a minute and when the minute ends.
 */
final class DemoChaos implements Function<RecordedRequest, FakeResponse> {

	private final Set<String> chaosProviders;

	private final double rateLimitedFraction;

	private final double serverErrorFraction;

	private final FakeResponse rateLimited;

	private final FakeResponse serverError;

	private final Duration answerDelay;

	private final Duration chunkDelay;

	static final int REQUESTS_PER_MINUTE = 10_000;

	// java.util.Random is thread-safe, and the server's event loops call this
	// concurrently.
	private final Random random;

	private final Map<String, MinuteCount> minutes = new ConcurrentHashMap<>();

	private final Clock clock;

	DemoChaos(DemoProperties properties) {
		this(properties, Clock.systemUTC());
	}

	DemoChaos(DemoProperties properties, Clock clock) {
		this.clock = clock;
		DemoProperties.Chaos chaos = properties.getChaos();
		if (chaos.getRateLimitedFraction() < 0 || chaos.getServerErrorFraction() < 0
				|| chaos.getRateLimitedFraction() + chaos.getServerErrorFraction() > 1) {
			throw new IllegalArgumentException("demo.chaos.rate-limited-fraction and demo.chaos.server-error-fraction "
					+ "must be positive and add up to at most 1, were " + chaos.getRateLimitedFraction() + " and "
					+ chaos.getServerErrorFraction());
		}
		this.chaosProviders = Set.copyOf(chaos.getProviders());
		this.rateLimitedFraction = chaos.getRateLimitedFraction();
		this.serverErrorFraction = chaos.getServerErrorFraction();
		this.rateLimited = withRetryAfter(FakeResponse.status(429), chaos.getRetryAfter());
		this.serverError = FakeResponse.status(chaos.getServerErrorStatus());
		this.answerDelay = properties.getAnswerDelay();
		this.chunkDelay = properties.getChunkDelay();
		this.random = new Random(chaos.getSeed());
	}

	private static FakeResponse withRetryAfter(FakeResponse response, Duration retryAfter) {
		if (retryAfter.isZero()) {
			return response;
		}
		boolean wholeSeconds = retryAfter.toMillis() % 1000 == 0;
		return wholeSeconds ? response.retryAfterSeconds(retryAfter.toSeconds())
				: response.retryAfterMillis(retryAfter.toMillis());
	}

	@Override
	public FakeResponse apply(RecordedRequest request) {
		String provider = provider(request.path());
		if (this.chaosProviders.contains(provider)) {
			double draw = this.random.nextDouble();
			if (draw < this.rateLimitedFraction) {
				return this.rateLimited;
			}
			if (draw < this.rateLimitedFraction + this.serverErrorFraction) {
				return this.serverError;
			}
		}
		String model = (request.model() != null) ? request.model() : "the model";
		return rateLimitHeaders(FakeResponse.ok(answer(model, provider)), provider).delay(this.answerDelay)
			.chunkDelay(this.chunkDelay);
	}

	/**
	 * Add the headers OpenAI sends on every answer
	 * (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers),
	 * counting the requests of the current minute of the wall clock.
	 */
	private FakeResponse rateLimitHeaders(FakeResponse response, String provider) {
		long now = this.clock.millis();
		long minute = now / 60_000;
		MinuteCount count = this.minutes.compute(provider,
				(key, current) -> (current != null && current.minute() == minute) ? current : new MinuteCount(minute));
		long used = count.requests().incrementAndGet();
		long reset = (minute + 1) * 60_000 - now;
		return response.header("x-ratelimit-limit-requests", Integer.toString(REQUESTS_PER_MINUTE))
			.header("x-ratelimit-remaining-requests", Long.toString(Math.max(0, REQUESTS_PER_MINUTE - used)))
			.header("x-ratelimit-reset-requests", (reset / 1000) + "." + String.format("%03d", reset % 1000) + "s");
	}

	private record MinuteCount(long minute, AtomicLong requests) {

		MinuteCount(long minute) {
			this(minute, new AtomicLong());
		}

	}

	/**
	 * Return the text of an answer: it names the target that wrote it, so a fallback
	 * shows.
	 */
	static String answer(String model, String provider) {
		return "A demo answer from " + model + " on " + provider + ", the in-process stand-in for a real model. "
				+ "Some of its answers are rate limits and server errors, which llm-resilience retried or fell back "
				+ "around.";
	}

	/**
	 * Return the first segment of a path such as {@code /openai/v1/chat/completions}: the
	 * provider whose base URL the request used.
	 */
	private static String provider(String path) {
		String trimmed = path.startsWith("/") ? path.substring(1) : path;
		int slash = trimmed.indexOf('/');
		return (slash < 0) ? trimmed : trimmed.substring(0, slash);
	}

}
