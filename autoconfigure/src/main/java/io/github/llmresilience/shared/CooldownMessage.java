package io.github.llmresilience.shared;

import java.time.Instant;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import io.github.llmresilience.pacing.Cooldown;
import io.github.llmresilience.policy.Target;

/**
 * A cooldown as Redis holds it, in a key's value and in a message on the channel:
 * {@code {"provider":"openai","model":"gpt-4o","cause":"retry-after","until":1767225600000,"origin":"…"}},
 * with {@code until} in milliseconds since the epoch and {@code origin} the random id of
 * the instance that learned it. It holds no secret and no prompt.
 *
 * @param cooldown the cooldown
 * @param origin the id of the instance that learned it
 */
record CooldownMessage(Cooldown cooldown, String origin) {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	String toJson() {
		ObjectNode node = JSON.createObjectNode();
		node.put("provider", this.cooldown.target().provider());
		node.put("model", this.cooldown.target().model());
		node.put("cause", this.cooldown.cause().value());
		node.put("until", this.cooldown.until().toEpochMilli());
		node.put("origin", this.origin);
		return JSON.writeValueAsString(node);
	}

	/**
	 * Read a message.
	 * @param json the JSON text
	 * @return the message, or {@code null} if the text is not one (written by another
	 * version, or by something else under the same prefix)
	 */
	static @Nullable CooldownMessage parse(@Nullable String json) {
		if (json == null) {
			return null;
		}
		try {
			JsonNode node = JSON.readTree(json);
			JsonNode provider = node.path("provider");
			JsonNode model = node.path("model");
			JsonNode until = node.path("until");
			JsonNode cause = node.path("cause");
			if (!provider.isString() || !model.isString() || !until.isIntegralNumber() || !cause.isString()) {
				return null;
			}
			Cooldown cooldown = new Cooldown(new Target(provider.asString(), model.asString()),
					Instant.ofEpochMilli(until.asLong()), Cooldown.Cause.of(cause.asString()));
			return new CooldownMessage(cooldown, node.path("origin").asString(""));
		}
		catch (JacksonException | IllegalArgumentException ex) {
			return null;
		}
	}

}
