package io.github.llmresilience.benchmarks.load;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak scenario of the load harness as {@code ./mvnw verify} runs it: two minutes of
 * calls through every fault (the full run, 100,000 calls, is
 * {@code java -jar benchmarks/target/llm-resilience-benchmarks.jar load --scenarios=soak}),
 * then two short runs spoiled on purpose, which must fail: a buffer leaked and a call
 * that never ends, so that the detectors are seen to detect.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SoakIT {

	/**
	 * How long the soak of the build starts calls: a third of it between checkpoints.
	 */
	private static final String SECONDS = System.getProperty("soak.seconds", "120");

	@Test
	@Order(1)
	void twoMinutesThroughEveryFaultLeavesNoLeakNoUnendedCallAndNothingThatGrows() throws Exception {
		Run run = harness("--soak-duration-seconds=" + SECONDS);
		assertThat(run.exitCode()).as(run.output()).isZero();
		assertThat(run.output()).doesNotContain("    FAILED ");
		assertThat(run.output())
			.contains("ok    LEAK: reports of buffers that reached Reactor Netty, Spring or llm-resilience 0")
			.contains("ok    calls that never ended 0, expected 0")
			.contains("ok    IllegalReferenceCountException 0, expected 0")
			.contains("ok    calls ended without an LlmException 0, expected 0")
			.contains("ok    pooled connections back to idle (none acquired or pending at each checkpoint)");
	}

	@Test
	@Order(2)
	void aCallThatNeverEndsFailsTheSoak() throws Exception {
		assertThat(spoiledRun("unfinished-call")).contains("FAILED calls that never ended 1, expected 0");
	}

	@Test
	@Order(3)
	void aLeakedBufferFailsTheSoak() throws Exception {
		assertThat(spoiledRun("leaked-buffer"))
			.containsPattern(
					"FAILED LEAK: reports of buffers that reached Reactor Netty, Spring or llm-resilience [1-9]")
			.contains("ok    calls that never ended 0, expected 0");
	}

	/**
	 * Run a short soak spoiled on purpose, assert that it fails (exit code 3, the soak
	 * missed), and return what it wrote.
	 */
	private static String spoiledRun(String sabotage) throws Exception {
		Run run = harness("--soak-calls=300", "--soak-concurrency=50", "--soak-warmup-calls=200",
				"--soak-sabotage=" + sabotage);
		assertThat(run.exitCode()).as(run.output()).isEqualTo(3);
		assertThat(run.output()).contains("MISSED  (soak)");
		return run.output();
	}

	private static Run harness(String... options) throws Exception {
		List<String> arguments = new ArrayList<>(List.of("--scenarios=soak", "--server-jvm=-Xmx512m"));
		arguments.addAll(List.of(options));
		PrintStream console = System.out;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		int exitCode;
		try (PrintStream both = new PrintStream(new Tee(console, captured), true, StandardCharsets.UTF_8)) {
			System.setOut(both);
			exitCode = LoadHarness.run(arguments.toArray(String[]::new));
		}
		finally {
			System.setOut(console);
		}
		return new Run(exitCode, captured.toString(StandardCharsets.UTF_8));
	}

	private record Run(int exitCode, String output) {

	}

	/**
	 * Writes to the console and keeps a copy.
	 */
	private static final class Tee extends java.io.OutputStream {

		private final PrintStream console;

		private final ByteArrayOutputStream copy;

		Tee(PrintStream console, ByteArrayOutputStream copy) {
			this.console = console;
			this.copy = copy;
		}

		@Override
		public void write(int b) {
			this.console.write(b);
			this.copy.write(b);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) {
			this.console.write(bytes, offset, length);
			this.copy.write(bytes, offset, length);
		}

	}

}
