package io.github.llmresilience.behaviour;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationContext;

import io.github.llmresilience.ChatRequest;
import io.github.llmresilience.EmbeddingRequest;
import io.github.llmresilience.FailureKind;
import io.github.llmresilience.LlmClient;
import io.github.llmresilience.LlmException;
import io.github.llmresilience.Served;
import io.github.llmresilience.actuate.LlmEndpoint;
import io.github.llmresilience.pacing.TokenEstimator;
import io.github.llmresilience.testkit.FakeLlmServer;
import io.github.llmresilience.testkit.FakeResponse;
import io.github.llmresilience.testkit.RecordedRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token-aware limits against a real server: the context pre-check, the per-kind chains, a
 * declared token limit settled by the answers' usage (chat and embeddings), and the
 * reservations against the rate-limit headers of an account that answers 429 over its
 * limits.
 */
class TokenLimitBehaviourTests extends BehaviourTestSupport {

	private static final String BIG = "gpt-4.1";

	/**
	 * OpenAI's answer to a prompt beyond the model's context, as seen in
	 * github.com/openai/openai-python/issues/1112 (the body of a 400
	 * invalid_request_error).
	 */
	private static final FakeResponse TOO_LONG = FakeResponse.error(400, "invalid_request_error",
			"context_length_exceeded",
			"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. "
					+ "Please reduce the length of the messages.");

	private static double count(MeterRegistry meters, String name, String... tags) {
		return meters.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
	}

	@Test
	void aTargetTooSmallForThePromptIsPassedOverWithoutARequestAndTheNextAnswers() {
		this.server.model(FALLBACK).thenAlways(FakeResponse.ok("fallback"));
		// fallback-on says nothing of context-length: a target passed over goes on
		// anyway.
		metered("llm.policies.summaries.max-input-tokens=100", "llm.policies.summaries.fallback-on=server-error")
			.run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				served(llm.chat("summaries", LONG), new Served("backup", FALLBACK, 1, true));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(count(meters, "llm.paced", "provider", "openai", "model", PRIMARY, "action", "skipped",
						"limit", "context"))
					.isEqualTo(1);
			});
		assertThat(primaryRequests()).isEmpty();
		assertThat(fallbackRequests()).hasSize(1);
	}

	@Test
	void whenEveryRemainingTargetIsPassedOverTheCallEndsWithContextLength() {
		runner("llm.policies.summaries.max-input-tokens=100",
				"llm.policies.summaries.fallbacks[0].max-input-tokens=200")
			.run((context) -> {
				LlmException failure = assertPassedOverAsTooLong(
						context.getBean(LlmClient.class).chat("summaries", LONG));
				assertThat(failure.attempts()).isZero();
				assertThat(failure.getMessage()).contains("max-input-tokens").doesNotContain("word word");
			});
		assertThat(this.server.requests()).isEmpty();
	}

	@Test
	void onContextLengthRoutesATooLongPromptToTheBigModel() {
		this.server.model(PRIMARY).thenAlways(TOO_LONG);
		this.server.model(BIG).thenAlways(FakeResponse.ok("a long answer"));
		withClient((llm) -> served(llm.chat("summaries", LONG), new Served("backup", BIG, 2, true)),
				"llm.policies.summaries.on-context-length[0].provider=backup",
				"llm.policies.summaries.on-context-length[0].model=" + BIG);
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).isEmpty();
		assertThat(this.server.requests(BIG)).hasSize(1);
	}

	@Test
	void fallbackOnAloneSendsATooLongPromptToTheNextFallbackNotTheBigModel() {
		this.server.model(PRIMARY).thenAlways(TOO_LONG);
		this.server.model(FALLBACK).thenAlways(TOO_LONG);
		runner("llm.policies.summaries.fallback-on=context-length").run((context) -> {
			LlmException failure = failure(context.getBean(LlmClient.class).chat("summaries", LONG));
			assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_LENGTH);
		});
		assertThat(primaryRequests()).hasSize(1);
		assertThat(fallbackRequests()).hasSize(1);
		assertThat(this.server.requests(BIG)).isEmpty();
	}

	@Test
	void theUsageAnAnswerReportsSettlesTheDeclaredTokenLimit() {
		ChatRequest request = REQUEST.mutate().maxTokens(10).build();
		// Counted with jtokkit once its encoding is loaded (in the background), by the
		// characters until then: the second request's estimate is one of the two.
		long byEncoding = new TokenEstimator(true).loadEncodings().estimate(PRIMARY, request).declared(0);
		long byCharacters = new TokenEstimator(false).estimate(PRIMARY, request).declared(0);
		// 600 per minute, 10 a second. The first answer used 590 tokens: the bucket keeps
		// 10 of the 600 it had, refilling 10 a second from when the first took its
		// estimate, and the second goes once the bucket holds its estimate again.
		List<FakeResponse> answers = List.of(FakeResponse.ok("long").usage(580, 10),
				FakeResponse.ok("short").usage(5, 5));
		List<Duration> arrivals = declaredLimitRun(PRIMARY, answers, (llm) -> llm.chat(request), (context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(count(meters, "llm.paced", "action", "waited", "limit", "tokens")).isEqualTo(1);
			// Nothing in flight once both are answered.
			assertThat(meters.get("llm.ratelimit.reserved").tags("model", PRIMARY, "limit", "tokens").gauge().value())
				.isZero();
			LlmEndpoint.LlmDescriptor endpoint = context.getBean(LlmEndpoint.class).llm();
			assertThat(endpoint.tokenLimits().get("openai").tokensPerMinute()).isEqualTo(600);
			assertThat(endpoint.reservations().get("openai:" + PRIMARY).requestsInFlight()).isZero();
		}, "llm.providers.openai.rate-limit.tokens-per-minute=600",
				"llm.providers.openai.rate-limit.completion-reserve=0");
		assertThat(arrivals).hasSize(2);
		assertThat(arrivals.get(1).minus(arrivals.get(0))).isIn(Duration.ofMillis((byEncoding - 10) * 100),
				Duration.ofMillis((byCharacters - 10) * 100));
	}

	@Test
	void aDeclaredTokenLimitPacesEmbeddingsOnTheirInputTokensOnly() {
		String model = "nomic-embed-text";
		// 800 characters: 200 tokens. A completion reserve larger than the limit would
		// make every request one that can never fit: embeddings are not charged it.
		EmbeddingRequest request = EmbeddingRequest.of("abcd".repeat(200));
		// 6,000 a minute, 100 a second. The first took 200 and used 5,900: 100 left, and
		// the second waits for the other 100, a second after the first took its estimate.
		List<FakeResponse> answers = List.of(FakeResponse.embeddings().usage(5900, 0),
				FakeResponse.embeddings().usage(200, 0));
		List<Duration> arrivals = declaredLimitRun(model, answers, (llm) -> llm.embed(request), (context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(count(meters, "llm.paced", "action", "waited", "limit", "tokens")).isEqualTo(1);
			assertThat(count(meters, "llm.paced", "limit", "context")).isZero();
		}, "llm.policies.embeddings.type=embeddings", "llm.policies.embeddings.provider=openai",
				"llm.policies.embeddings.model=" + model, "llm.providers.openai.rate-limit.tokens-per-minute=6000",
				"llm.providers.openai.rate-limit.completion-reserve=100000");
		assertThat(arrivals).hasSize(2);
		assertThat(arrivals.get(1).minus(arrivals.get(0))).isEqualTo(Duration.ofSeconds(1));
	}

	/**
	 * Make two calls one after the other against a model that gives the answers in order,
	 * in virtual time that moves on only once the second call waits for the declared
	 * limit, and return when (in virtual time from the start) each request reached the
	 * server.
	 */
	private List<Duration> declaredLimitRun(String model, List<FakeResponse> answers, Function<LlmClient, Mono<?>> call,
			Consumer<ApplicationContext> check, String... properties) {
		List<Duration> arrivals = new CopyOnWriteArrayList<>();
		try (VirtualTimeRun time = new VirtualTimeRun()) {
			Instant start = time.now();
			AtomicInteger answered = new AtomicInteger();
			this.server.model(model).respondWith((received) -> {
				arrivals.add(Duration.between(start, time.now()));
				return answers.get(Math.min(answered.getAndIncrement(), answers.size() - 1));
			});
			time.engineOn(metered(properties)).run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				BooleanSupplier settled = VirtualTimeRun.settled(context, this.server);
				// The time moves on once the second call waits: it counted a wait and put
				// its timer on the virtual time.
				long[] timers = { Long.MAX_VALUE };
				Flux<?> calls = Flux.concat(call.apply(llm), Mono.defer(() -> {
					timers[0] = time.timers();
					return call.apply(llm);
				}));
				assertThat(
						time.run(calls,
								() -> count(meters, "llm.paced", "action", "waited") > 0 && time.timers() > timers[0]
										&& settled.getAsBoolean(),
								Duration.ofMillis(5), Duration.ofMinutes(2)))
					.hasSize(2);
				check.accept(context);
			});
		}
		return arrivals;
	}

	@Test
	void reservationsKeepTenCallsInFlightFromOverrunningAnAccountOfTenRequestsPerWindow() {
		// DESIGN's bound: 60 calls at 10 in flight, 10 requests per 2 s, at most 10 x
		// 429. The bound proven (TargetReservations): only the requests sent before any
		// answer reported the limit meet a 429, at most the in-flight overlap beyond the
		// limit: 10 - 10, none.
		Run with = accountRun(60, 10, 10, Long.MAX_VALUE, REQUEST);
		assertThat(with.account().rateLimited()).as(with.toString()).isZero();
		assertThat(with.account().served()).isEqualTo(60);
		assertThat(with.calls()).isEqualTo(60);
		// Without reservations, the headers hold a request back only once one says
		// nothing is left: the answers' order decides, and 429s follow.
		Run without = accountRun(60, 10, 10, Long.MAX_VALUE, REQUEST,
				"llm.providers.openai.rate-limit.reservations=false");
		assertThat(without.account().rateLimited()).as(without.toString()).isPositive();
		assertThat(without.calls()).isEqualTo(60);
	}

	@Test
	void twentyCallsInFlightMeetAt429OnlyTheFirstRequestsBeyondAnAccountsTenRequests() {
		// The first 20 go before any answer: 10 fit, 10 meet a 429; every later request
		// finds room.
		Run run = accountRun(100, 20, 10, Long.MAX_VALUE, REQUEST);
		assertThat(run.account().rateLimited()).as(run.toString()).isLessThanOrEqualTo(20 - 10);
		assertThat(run.account().served()).isEqualTo(100);
		assertThat(run.calls()).isEqualTo(100);
	}

	@Test
	void reservationsKeepCallsFromOverrunningAnAccountLimitedInTokens() {
		// 1,000 tokens per 2 s and requests of max_tokens 100 (a short prompt): 10 a
		// window by tokens, with no limit of requests. 20 in flight: the first 20 go
		// before
		// any answer, 10 fit, 10 meet a 429; every later request finds room in what the
		// headers report, however the answers are ordered.
		ChatRequest request = REQUEST.mutate().maxTokens(100).build();
		Run run = accountRun(60, 20, 1_000_000, 1_000, request);
		assertThat(run.account().rateLimited()).as(run.toString()).isLessThanOrEqualTo(20 - 10);
		assertThat(run.account().served()).isEqualTo(60);
		assertThat(run.account().peakTokens()).isLessThanOrEqualTo(1_000);
		assertThat(run.calls()).isEqualTo(60);
	}

	/**
	 * What a run of calls against an {@link Account} saw.
	 */
	record Run(Account account, int calls) {

		@Override
		public String toString() {
			return this.account.rateLimited() + " x 429, " + this.account.served() + " served, " + this.calls
					+ " calls answered; 429s by window: " + this.account.rateLimitedByWindow();
		}

	}

	/**
	 * Run calls at a number in flight against an account of 2 s windows, in virtual time:
	 * answers come after 20 to 180 ms of virtual time, in an order other than the
	 * requests', and requests sent at one virtual instant reach the account in whatever
	 * order the sockets give.
	 */
	private Run accountRun(int calls, int inFlight, int requests, long tokens, ChatRequest request,
			String... properties) {
		List<String> all = new ArrayList<>(List.of("llm.policies.account.provider=openai",
				"llm.policies.account.model=" + PRIMARY, "llm.policies.account.retry.max-attempts=10",
				"llm.policies.account.retry.initial-backoff=100ms",
				"llm.providers.openai.circuit-breaker.enabled=false",
				"llm.providers.openai.retry-budget.enabled=false"));
		all.addAll(List.of(properties));
		try (VirtualTimeRun time = new VirtualTimeRun()) {
			Account account = new Account(requests, tokens, Duration.ofSeconds(2), time.clock());
			this.server.model(PRIMARY).respondWith(account::answer);
			int[] answered = new int[1];
			time.engineOn(runner(all.toArray(String[]::new))).run((context) -> {
				LlmClient llm = context.getBean(LlmClient.class);
				answered[0] = time
					.run(Flux.range(0, calls).flatMap((i) -> llm.chat("account", request), inFlight),
							VirtualTimeRun.settled(context, this.server), Duration.ofMillis(5), Duration.ofMinutes(2))
					.size();
			});
			this.server.reset();
			return new Run(account, answered[0]);
		}
	}

	/**
	 * A provider account of {@code requests} requests and {@code tokens} tokens per fixed
	 * window of a clock's time, which answers 429 over either, every answer carrying
	 * OpenAI's headers
	 * (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers) with
	 * the window's end rounded up to the millisecond. A request counts its
	 * {@code max_tokens}, or 1 token without it. Each answer comes after a delay of 20 to
	 * 180 ms on the clock, which varies from one request to the next.
	 */
	static final class Account {

		private final int requests;

		private final long tokens;

		private final long windowNanos;

		private final Clock clock;

		private final Instant start;

		private final AtomicInteger rateLimited = new AtomicInteger();

		private final AtomicInteger served = new AtomicInteger();

		private final Map<Long, Integer> rateLimitedByWindow = new TreeMap<>();

		private long answered;

		private long window = -1;

		private int requestsUsed;

		private long tokensUsed;

		private long peakTokens;

		Account(int requests, long tokens, Duration window, Clock clock) {
			this.requests = requests;
			this.tokens = tokens;
			this.windowNanos = window.toNanos();
			this.clock = clock;
			this.start = clock.instant();
		}

		synchronized FakeResponse answer(RecordedRequest request) {
			Instant now = this.clock.instant();
			long elapsed = Duration.between(this.start, now).toNanos();
			long window = elapsed / this.windowNanos;
			if (window != this.window) {
				this.window = window;
				this.requestsUsed = 0;
				this.tokensUsed = 0;
			}
			long cost = request.json().path("max_tokens").asLong(1);
			// Rounded up: the window is over then, not a fraction of a millisecond
			// before.
			long resetMillis = Math.max(1, ((window + 1) * this.windowNanos - elapsed + 999_999) / 1_000_000);
			boolean over = this.requestsUsed + 1 > this.requests || this.tokensUsed + cost > this.tokens;
			if (!over) {
				this.requestsUsed++;
				this.tokensUsed += cost;
				this.peakTokens = Math.max(this.peakTokens, this.tokensUsed);
				this.served.incrementAndGet();
			}
			else {
				this.rateLimited.incrementAndGet();
				this.rateLimitedByWindow.merge(window, 1, Integer::sum);
			}
			Duration delay = Duration.ofMillis(20 + (this.answered++ * 73L) % 161);
			FakeResponse answer = over
					? FakeResponse.error(429, "requests", "rate_limit_exceeded", "Rate limit reached")
					: FakeResponse.ok("ok");
			return answer.delay(delay)
				.header("x-ratelimit-limit-requests", Integer.toString(this.requests))
				.header("x-ratelimit-remaining-requests", Integer.toString(this.requests - this.requestsUsed))
				.header("x-ratelimit-reset-requests", resetMillis + "ms")
				.header("x-ratelimit-limit-tokens", Long.toString(this.tokens))
				.header("x-ratelimit-remaining-tokens", Long.toString(this.tokens - this.tokensUsed))
				.header("x-ratelimit-reset-tokens", resetMillis + "ms");
		}

		int rateLimited() {
			return this.rateLimited.get();
		}

		synchronized Map<Long, Integer> rateLimitedByWindow() {
			return new TreeMap<>(this.rateLimitedByWindow);
		}

		int served() {
			return this.served.get();
		}

		synchronized long peakTokens() {
			return this.peakTokens;
		}

	}

}
