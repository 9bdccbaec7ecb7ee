package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

import io.github.llmresilience.benchmarks.jmh.JmhSettings;
import io.github.llmresilience.benchmarks.jmh.StubConnector;
import io.github.llmresilience.client.OpenAiWire.WireCompletion;

/**
 * Reading the completion of {@link StubConnector} into the starter's wire records, with
 * Jackson's own creator call ({@code records=jackson}) and with {@link WireRecords}'
 * direct constructor call ({@code records=constructors}), the mapper's settings otherwise
 * {@link OpenAiWire}'s. It sits in the client's package because the wire records are
 * package-private. Run with {@code -prof gc} for bytes per read.
 */
@State(Scope.Benchmark)
public class WireBenchmark extends JmhSettings {

	private static final byte[] COMPLETION = StubConnector.COMPLETION.getBytes(StandardCharsets.UTF_8);

	@Param({ "jackson", "constructors" })
	public String records = "jackson";

	private ObjectReader reader;

	@Setup
	public void setUp() {
		JsonMapper.Builder mapper = OpenAiWire.mapperSettings();
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
