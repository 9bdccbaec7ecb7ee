package io.github.llmresilience.sample.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of demo mode, under {@code demo}: how the in-process server answers. They are
 * bound before the application context exists, because the server must run before the
 * providers' clients are built.
 */
public class DemoProperties {

	/**
	 * Faults mixed into the answers of some providers.
	 */
	private Chaos chaos = new Chaos();

	/**
	 * Wait before every answer, as a real model takes time to think.
	 */
	private Duration answerDelay = Duration.ofMillis(100);

	/**
	 * Wait between two chunks of a streamed answer.
	 */
	private Duration chunkDelay = Duration.ofMillis(40);

	public Chaos getChaos() {
		return this.chaos;
	}

	public void setChaos(Chaos chaos) {
		this.chaos = chaos;
	}

	public Duration getAnswerDelay() {
		return this.answerDelay;
	}

	public void setAnswerDelay(Duration answerDelay) {
		this.answerDelay = answerDelay;
	}

	public Duration getChunkDelay() {
		return this.chunkDelay;
	}

	public void setChunkDelay(Duration chunkDelay) {
		this.chunkDelay = chunkDelay;
	}

	/**
	 * A seeded random mix of rate limits and server errors.
	 */
	public static class Chaos {

		/**
		 * Seed of the random sequence of faults: the same seed and the same order of
		 * requests give the same faults.
		 */
		private long seed = 4096;

		/**
		 * Providers (path prefixes on the in-process server) whose answers include
		 * faults; the others always answer.
		 */
		private List<String> providers = new ArrayList<>(List.of("openai"));

		/**
		 * Share of requests answered 429, from 0 to 1.
		 */
		private double rateLimitedFraction = 0.3;

		/**
		 * Wait the 429 answers ask for: whole seconds are sent as 'Retry-After', anything
		 * else as 'retry-after-ms'.
		 */
		private Duration retryAfter = Duration.ofSeconds(1);

		/**
		 * Share of requests answered with a server error, from 0 to 1.
		 */
		private double serverErrorFraction = 0.1;

		/**
		 * HTTP status of the server errors.
		 */
		private int serverErrorStatus = 503;

		public long getSeed() {
			return this.seed;
		}

		public void setSeed(long seed) {
			this.seed = seed;
		}

		public List<String> getProviders() {
			return this.providers;
		}

		public void setProviders(List<String> providers) {
			this.providers = providers;
		}

		public double getRateLimitedFraction() {
			return this.rateLimitedFraction;
		}

		public void setRateLimitedFraction(double rateLimitedFraction) {
			this.rateLimitedFraction = rateLimitedFraction;
		}

		public Duration getRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(Duration retryAfter) {
			this.retryAfter = retryAfter;
		}

		public double getServerErrorFraction() {
			return this.serverErrorFraction;
		}

		public void setServerErrorFraction(double serverErrorFraction) {
			this.serverErrorFraction = serverErrorFraction;
		}

		public int getServerErrorStatus() {
			return this.serverErrorStatus;
		}

		public void setServerErrorStatus(int serverErrorStatus) {
			this.serverErrorStatus = serverErrorStatus;
		}

	}

}
