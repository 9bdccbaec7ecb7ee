package io.github.llmresilience.benchmarks.load;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

/**
 * What users write today without the starter: Spring's {@link RestClient} on the JDK's
 * {@link HttpClient}, called on a fixed thread pool, with a {@code Thread.sleep} retry
 * loop that honours {@code Retry-After} and otherwise backs off exponentially, then tries
 * the next model. It applies the same rules as the starter's policy: the same statuses,
 * attempts, waits and fallback (no circuit breaker, no jitter on server waits).
 */
final class BlockingBaseline {

	private static final Set<Integer> RETRY_ON = Set.of(408, 409, 429, 500, 502, 503, 504);

	private final RestClient client;

	private final List<String> models;

	private final int maxAttempts;

	private final Duration initialBackoff;

	private final double multiplier;

	private final Duration maxBackoff;

	private final double jitter;

	BlockingBaseline(String baseUrl, List<String> models, int maxAttempts, Duration initialBackoff, double multiplier,
			Duration maxBackoff, double jitter) {
		HttpClient http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(http);
		requestFactory.setReadTimeout(Duration.ofSeconds(60));
		this.client = RestClient.builder()
			.requestFactory(requestFactory)
			.baseUrl(baseUrl)
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer sk-bench")
			.build();
		this.models = List.copyOf(models);
		this.maxAttempts = maxAttempts;
		this.initialBackoff = initialBackoff;
		this.multiplier = multiplier;
		this.maxBackoff = maxBackoff;
		this.jitter = jitter;
	}

	List<String> models() {
		return this.models;
	}

	/**
	 * Make one logical call on the calling thread.
	 * @param id the call's id
	 * @param models the primary model, then the fallbacks
	 * @return the outcome
	 */
	Outcome call(String id, List<String> models) throws InterruptedException {
		int attempts = 0;
		for (int target = 0; target < models.size(); target++) {
			String model = models.get(target);
			for (int attempt = 1;; attempt++) {
				attempts++;
				long wait;
				try {
					Wire.Completion completion = this.client.post()
						.uri("/chat/completions")
						.contentType(MediaType.APPLICATION_JSON)
						.accept(MediaType.APPLICATION_JSON)
						.body(Wire.request(model, id))
						.retrieve()
						.body(Wire.Completion.class);
					return new Outcome(completion != null ? completion.content() : null, attempts, target > 0, null);
				}
				catch (RestClientResponseException ex) {
					if (!RETRY_ON.contains(ex.getStatusCode().value()) || attempt >= this.maxAttempts) {
						if (target + 1 == models.size()) {
							return new Outcome(null, attempts, false, ex);
						}
						break;
					}
					Duration retryAfter = retryAfter(ex.getResponseHeaders());
					wait = (retryAfter != null) ? retryAfter.toMillis() : backoff(attempt);
				}
				catch (ResourceAccessException ex) {
					if (attempt >= this.maxAttempts) {
						if (target + 1 == models.size()) {
							return new Outcome(null, attempts, false, ex);
						}
						break;
					}
					wait = backoff(attempt);
				}
				Thread.sleep(wait);
			}
		}
		throw new IllegalStateException("unreachable");
	}

	private static @Nullable Duration retryAfter(@Nullable HttpHeaders headers) {
		String value = (headers != null) ? headers.getFirst(HttpHeaders.RETRY_AFTER) : null;
		if (value == null) {
			return null;
		}
		try {
			long seconds = Long.parseLong(value.trim());
			return (seconds > 0) ? Duration.ofSeconds(seconds) : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private long backoff(int attempt) {
		double base = this.initialBackoff.toMillis() * Math.pow(this.multiplier, attempt - 1);
		double capped = Math.min(base, this.maxBackoff.toMillis());
		double factor = 1 - this.jitter + 2 * this.jitter * ThreadLocalRandom.current().nextDouble();
		return (long) (capped * factor);
	}

	/**
	 * How a logical call ended.
	 *
	 * @param content the answer, or {@code null} if it failed
	 * @param attempts the HTTP requests it sent
	 * @param fallback whether the fallback model answered
	 * @param failure why it failed, or {@code null}
	 */
	record Outcome(@Nullable String content, int attempts, boolean fallback, @Nullable Exception failure) {

	}

}
