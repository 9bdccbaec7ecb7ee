package io.github.llmresilience.sample.demo;

import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

/**
 * How the in-process server answers in demo mode: the providers named under
 * {@code demo.chaos.providers} answer a seeded random mix of 429s and server errors, every other
 * request gets a short text that names the model and provider that wrote it.
 */
final class DemoChaos implements Function<RecordedRequest, FakeResponse> {

	private final Set<String> chaosProviders;

	private final double rateLimitedFraction;

	private final double serverErrorFraction;

	private final FakeResponse rateLimited;

	private final FakeResponse serverError;

	private final Duration answerDelay;

	private final Duration chunkDelay;

	// java.util.Random is thread-safe, and the server's event loops call this concurrently.
	private final Random random;

	DemoChaos(DemoProperties properties) {
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
		return FakeResponse.ok(answer(model, provider)).delay(this.answerDelay).chunkDelay(this.chunkDelay);
	}

	/**
	 * Return the text of an answer: it names the target that wrote it, so a fallback shows.
	 */
	static String answer(String model, String provider) {
		return "A demo answer from " + model + " on " + provider + ", the in-process stand-in for a real model. "
				+ "Some of its answers are rate limits and server errors, which llm-resilience retried or fell back "
				+ "around.";
	}

	/**
	 * Return the first segment of a path such as {@code /openai/v1/chat/completions}: the provider
	 * whose base URL the request used.
	 */
	private static String provider(String path) {
		String trimmed = path.startsWith("/") ? path.substring(1) : path;
		int slash = trimmed.indexOf('/');
		return (slash < 0) ? trimmed : trimmed.substring(0, slash);
	}

}
