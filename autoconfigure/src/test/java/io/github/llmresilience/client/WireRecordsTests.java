package io.github.llmresilience.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.deser.std.StdValueInstantiator;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.client.OpenAiWire.WireCompletion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link WireRecords}: records read through their canonical constructors give what
 * Jackson's own creator call gives, values and failures alike.
 */
class WireRecordsTests {

	private static final String COMPLETION = """
			{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,\
			"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",\
			"function":{"name":"lookup","arguments":"{\\"q\\":1}"}}]},"finish_reason":"tool_calls"}],\
			"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19},"system_fingerprint":"fp"}""";

	private final JsonMapper jackson = OpenAiWire.mapperSettings().build();

	private final JsonMapper wire = OpenAiWire.mapperSettings().addModule(new WireRecords()).build();

	@Test
	void recordsAreReadAsJacksonReadsThem() {
		WireCompletion read = this.wire.readValue(COMPLETION, WireCompletion.class);
		assertThat(read).isEqualTo(this.jackson.readValue(COMPLETION, WireCompletion.class));
		assertThat(read.usage().totalTokens()).isEqualTo(19L);
		assertThat(read.choices()).singleElement().satisfies((choice) -> {
			assertThat(choice.finishReason()).isEqualTo("tool_calls");
			assertThat(choice.message().toolCalls()).singleElement()
				.satisfies((call) -> assertThat(call.function().arguments()).isEqualTo("{\"q\":1}"));
		});
	}

	@Test
	void recordsAreCreatedThroughTheModule() {
		ValueDeserializer<Object> deserializer = this.wire._deserializationContext()
			.findRootValueDeserializer(this.wire.constructType(WireCompletion.class));
		ValueInstantiator instantiator = ((ValueInstantiator.Gettable) deserializer).getValueInstantiator();
		assertThat(instantiator).isInstanceOf(StdValueInstantiator.class)
			.isNotExactlyInstanceOf(StdValueInstantiator.class);
	}

	@Test
	void aConstructorThatThrowsFailsAsWithJackson() {
		String body = "{\"tokens\":-1}";
		DatabindException expected = readFailure(this.jackson, body);
		DatabindException failure = readFailure(this.wire, body);
		assertThat(failure).isExactlyInstanceOf(expected.getClass()).hasMessage(expected.getMessage());
		assertThat(failure.getCause()).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("'tokens' must not be negative");
	}

	private static DatabindException readFailure(JsonMapper mapper, String body) {
		return assertThatExceptionOfType(DatabindException.class)
			.isThrownBy(() -> mapper.readValue(body, Counted.class))
			.actual();
	}

	record Counted(@JsonProperty("tokens") long tokens) {

		Counted {
			if (tokens < 0) {
				throw new IllegalArgumentException("'tokens' must not be negative");
			}
		}

	}

}
