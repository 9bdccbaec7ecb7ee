package io.github.llmresilience.shared;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.policy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cooldown as Redis holds it, and what is not one.
 */
class CooldownMessageTests {

	@Test
	void aCooldownReadsBackAsWritten() {
		Cooldown cooldown = new Cooldown(new Target("openrouter", "anthropic/claude-3-5-haiku:beta"),
				Instant.parse("2026-01-01T12:00:00.250Z"), Cooldown.Cause.QUOTA_EXHAUSTED);
		String json = new CooldownMessage(cooldown, "instance-a").toJson();
		assertThat(json).isEqualTo("{\"provider\":\"openrouter\",\"model\":\"anthropic/claude-3-5-haiku:beta\","
				+ "\"cause\":\"quota-exhausted\",\"until\":1767268800250,\"origin\":\"instance-a\"}");
		assertThat(CooldownMessage.parse(json)).isEqualTo(new CooldownMessage(cooldown, "instance-a"));
	}

	@Test
	void whatIsNoCooldownIsIgnored() {
		assertThat(CooldownMessage.parse(null)).isNull();
		assertThat(CooldownMessage.parse("not json")).isNull();
		assertThat(CooldownMessage.parse("{\"provider\":\"openai\",\"model\":\"gpt-4o\"}")).isNull();
		assertThat(CooldownMessage
			.parse("{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"cause\":\"maintenance\",\"until\":1767268800250}"))
			.isNull();
		assertThat(CooldownMessage.parse("[1,2]")).isNull();
	}

	@Test
	void theKeysAndTheChannelCarryThePrefix() {
		SharedStateSettings settings = new SharedStateSettings("orders:llm", java.time.Duration.ofMillis(50));
		Cooldown cooldown = new Cooldown(new Target("openai", "gpt-4o"), Instant.EPOCH, Cooldown.Cause.RETRY_AFTER);
		assertThat(settings.channel()).isEqualTo("orders:llm:cooldowns");
		assertThat(settings.cooldownKey(cooldown)).isEqualTo("orders:llm:cooldown:retry-after:openai:gpt-4o");
		assertThat(settings.cooldownPattern()).isEqualTo("orders:llm:cooldown:*");
		assertThat(settings.limitKey("openai", 60)).isEqualTo("orders:llm:limit:openai:60");
	}

}
