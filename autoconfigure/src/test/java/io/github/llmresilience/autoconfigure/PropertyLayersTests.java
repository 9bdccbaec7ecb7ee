package io.github.llmresilience.autoconfigure;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.autoconfigure.LlmProperties.CircuitBreaker;
import io.github.llmresilience.autoconfigure.LlmProperties.Hedge;
import io.github.llmresilience.autoconfigure.LlmProperties.Retry;
import io.github.llmresilience.autoconfigure.LlmProperties.RetryBudget;
import io.github.llmresilience.policy.HedgeTarget;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a group of settings set in one place keeps, and what it takes from the layer
 * below.
 */
class PropertyLayersTests {

	@Test
	void whatIsSetWinsAndWhatIsUnsetComesFromBelow() {
		Retry own = new Retry();
		own.setMaxAttempts(7);
		own.setRetryOnStatus(Set.of(503));
		Retry merged = PropertyLayers.layer(own, Retry.defaults(), new Retry());
		assertThat(merged.getMaxAttempts()).isEqualTo(7);
		assertThat(merged.getRetryOnStatus()).containsExactly(503);
		assertThat(merged.getInitialBackoff()).isEqualTo(Duration.ofSeconds(2));
		assertThat(merged.getMultiplier()).isEqualTo(2.0);
		assertThat(merged.getRespectRetryAfter()).isTrue();
		assertThat(merged.getRetryOnExceptions()).isEmpty();
	}

	@Test
	void noLayerChanges() {
		Hedge own = new Hedge();
		own.setEnabled(true);
		Hedge below = Hedge.defaults();
		Hedge merged = PropertyLayers.layer(own, below, new Hedge());
		assertThat(merged).isNotSameAs(own).isNotSameAs(below);
		assertThat(own.getDelay()).isNull();
		assertThat(below.getEnabled()).isFalse();
		assertThat(merged.getEnabled()).isTrue();
		assertThat(merged.getDelay()).isEqualTo(Duration.ofSeconds(2));
		assertThat(merged.getTarget()).isEqualTo(HedgeTarget.NEXT);
	}

	@Test
	void anEmptyGroupTakesEveryValueFromBelow() {
		assertThat(PropertyLayers.layer(new CircuitBreaker(), CircuitBreaker.defaults(), new CircuitBreaker()))
			.usingRecursiveComparison()
			.isEqualTo(CircuitBreaker.defaults());
		assertThat(PropertyLayers.layer(new RetryBudget(), RetryBudget.defaults(), new RetryBudget()))
			.usingRecursiveComparison()
			.isEqualTo(RetryBudget.defaults());
		assertThat(PropertyLayers.layer(new Retry(), Retry.defaults(), new Retry())).usingRecursiveComparison()
			.isEqualTo(Retry.defaults());
	}

}
