package io.github.llmresilience.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.Served;
import io.github.llmresilience.policy.ResolvedPolicy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cooldowns only lengthen: a longer server-named wait learned while a target already
 * cools down extends it, a shorter one does not shorten it.
 */
class CooldownExtensionTests extends EngineTestSupport {

	@Test
	void aLongerWaitLearnedWhileCoolingExtendsTheCooldownAndAShorterOneChangesNothing() {
		ResolvedPolicy policy = policy(retry(4, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(5)),
				null, PRIMARY, BACKUP);
		LlmExecutor executor = executor(policy);
		// Three calls in flight together: their answers come while the first one's
		// cooldown has already opened the circuit.
		fail(PRIMARY, Duration.ofMillis(100), status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(30)));
		fail(PRIMARY, Duration.ofMillis(200),
				status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(120)));
		fail(PRIMARY, Duration.ofMillis(300), status(FailureKind.RATE_LIMITED, 429).retryAfter(Duration.ofSeconds(10)));
		AtomicReference<Instant> start = new AtomicReference<>();
		AtomicReference<Instant> openUntil = new AtomicReference<>();
		StepVerifier
			.withVirtualTime(() -> Mono.fromRunnable(() -> start.set(this.clock.instant()))
				.thenMany(Flux.merge(servedCall(executor, policy), servedCall(executor, policy),
						servedCall(executor, policy)))
				.then(Mono.fromRunnable(() -> openUntil.set(this.resilience.openUntil(PRIMARY))))
				.then(Mono.delay(Duration.ofSeconds(31)))
				.then(servedCall(executor, policy))
				.then(Mono.delay(Duration.ofMillis(120_100 - 31_300)))
				.then(servedCall(executor, policy))
				.then(Mono.delay(Duration.ofMillis(200)))
				.then(servedCall(executor, policy)))
			.thenAwait(Duration.ofSeconds(121))
			.assertNext((served) -> assertThat(served).isEqualTo(new Served("openai", "gpt-4o", 1, false)))
			.verifyComplete();
		assertThat(openUntil.get()).isEqualTo(start.get().plusMillis(200).plusSeconds(120));
		assertThat(targets()).containsExactly(PRIMARY, PRIMARY, PRIMARY, BACKUP, BACKUP, BACKUP, BACKUP, BACKUP,
				PRIMARY);
		assertThat(offsets().get(6)).isEqualTo(Duration.ofMillis(31_300));
		assertThat(offsets().get(7)).isEqualTo(Duration.ofMillis(120_100));
		assertThat(offsets().get(8)).isEqualTo(Duration.ofMillis(120_300));
	}

}
