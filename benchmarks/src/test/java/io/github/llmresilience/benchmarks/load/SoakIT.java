package io.github.llmresilience.benchmarks.load;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak scenario of the load harness as {@code ./mvnw verify} runs it: two minutes of
 * calls through every fault (the full run, 100,000 calls, is
 * {@code java -jar benchmarks/target/llm-resilience-benchmarks.jar load --scenarios=soak}),
 * then two short runs spoiled on purpose, which must fail: a buffer leaked and a call
 * that never ends, so that the detectors are seen to detect.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class SoakIT {

	/**
	 * How long the soak of the build starts calls: a third of it between checkpoints.
	 */
	private static final String SECONDS = System.getProperty("soak.seconds", "120");

	@Test
	@Order(1)
	void twoMinutesThroughEveryFaultLeavesNoLeakNoUnendedCallAndNothingThatGrows(CapturedOutput output)
			throws Exception {
		Run run = harness(output, "--soak-duration-seconds=" + SECONDS);
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
	void aCallThatNeverEndsFailsTheSoak(CapturedOutput output) throws Exception {
		assertThat(spoiledRun(output, "unfinished-call")).contains("FAILED calls that never ended 1, expected 0");
	}

	@Test
	@Order(3)
	void aLeakedBufferFailsTheSoak(CapturedOutput output) throws Exception {
		assertThat(spoiledRun(output, "leaked-buffer"))
			.containsPattern(
					"FAILED LEAK: reports of buffers that reached Reactor Netty, Spring or llm-resilience [1-9]")
			.contains("ok    calls that never ended 0, expected 0");
	}

	/**
	 * Run a short soak spoiled on purpose, assert that it fails (exit code 3, the soak
	 * missed), and return what it wrote.
	 */
	private static String spoiledRun(CapturedOutput output, String sabotage) throws Exception {
		Run run = harness(output, "--soak-calls=300", "--soak-concurrency=50", "--soak-warmup-calls=200",
				"--soak-sabotage=" + sabotage);
		assertThat(run.exitCode()).as(run.output()).isEqualTo(3);
		assertThat(run.output()).contains("MISSED  (soak)");
		return run.output();
	}

	/**
	 * Run the harness and return its exit code and what it wrote to the console, which
	 * the output capture also passes on to the console as it comes.
	 */
	private static Run harness(CapturedOutput output, String... options) throws Exception {
		List<String> arguments = new ArrayList<>(List.of("--scenarios=soak", "--server-jvm=-Xmx512m"));
		arguments.addAll(List.of(options));
		int exitCode = LoadHarness.run(arguments.toArray(String[]::new));
		return new Run(exitCode, output.getOut());
	}

	private record Run(int exitCode, String output) {

	}

}
