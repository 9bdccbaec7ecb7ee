package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.benchmarks.jmh.JmhSettings;
import io.github.llmresilience.client.OpenAiWire.WireCompletion;

/**
 * Reading a chat completion into the starter's wire records, with Jackson's own creator
 * call ({@code records=jackson}) and with {@link WireRecords}' direct constructor call
 * ({@code records=constructors}), the mapper otherwise as {@link OpenAiWire}'s. It sits
 * in the client's package because the wire records are package-private. Run with
 * {@code -prof gc} for bytes per read.
 */
@State(Scope.Benchmark)
public class WireBenchmark extends JmhSettings {

	// The completion of ClientBenchmark's stub.
	private static final byte[] COMPLETION = """
			{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",\
			"choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],\
			"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}""".getBytes(StandardCharsets.UTF_8);

	@Param({ "jackson", "constructors" })
	public String records = "jackson";

	private ObjectReader reader;

	@Setup
	public void setUp() {
		JsonMapper.Builder mapper = JsonMapper.builder()
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
		if ("constructors".equals(this.records)) {
			mapper.addModule(new WireRecords());
		}
		this.reader = mapper.build().readerFor(WireCompletion.class);
	}

	@Benchmark
	public WireCompletion readCompletion() {
		return this.reader.readValue(COMPLETION);
	}

}
